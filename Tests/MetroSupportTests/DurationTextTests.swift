import MetroSupport
import Testing

@Suite struct DurationTextTests {
    @Test("reads every unit of the one grammar", arguments: [
        ("250ms", Duration.milliseconds(250)),
        ("0ms", .zero),
        ("15s", .seconds(15)),
        ("1500ms", .milliseconds(1_500)),
        ("30m", .seconds(1_800)),
        ("2h", .seconds(7_200)),
        ("7d", .seconds(604_800)),
        (" 60s ", .seconds(60)),
    ])
    func readsValidDurations(text: String, expected: Duration) throws {
        #expect(try DurationText.read(text) == expected)
        #expect(DurationText.parse(text) == expected)
    }

    @Test("refuses what the grammar does not have, with a reason", arguments: [
        ("", "is empty"),
        ("15", "has no unit"),
        ("s", "does not start with a number"),
        ("-5s", "does not start with a number"),
        ("1.5s", "not a whole number"),
        ("0.5ms", "not a whole number"),
        ("5w", "unknown unit 'w'"),
        ("5 s", "unknown unit ' s'"),
        ("15S", "unknown unit 'S'"),
        ("10000h", "longer than 366 days"),
        ("99999999999999999h", "longer than 366 days"),
    ])
    func refusesInvalidDurations(text: String, reason: String) {
        #expect {
            _ = try DurationText.read(text)
        } throws: { error in
            (error as? DurationText.Problem)?.description.contains(reason) == true
        }
        #expect(DurationText.parse(text) == nil)
    }

    @Test("formats durations in the largest unit that holds them exactly", arguments: [
        (Duration.milliseconds(250), "250ms"), (.milliseconds(1_500), "1500ms"), (.seconds(15), "15s"), (.seconds(1_800), "30m"),
        (.seconds(7_200), "2h"), (.seconds(604_800), "7d"), (.seconds(90_000), "25h"), (.zero, "0s"),
    ])
    func formats(duration: Duration, text: String) throws {
        #expect(DurationText.format(duration) == text)
        #expect(try DurationText.read(text) == duration)
    }
}
