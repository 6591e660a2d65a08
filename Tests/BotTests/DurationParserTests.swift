import Bot
import Testing

@Suite struct DurationParserTests {
    @Test("parses every unit the configuration is written in", arguments: [
        ("250ms", Duration.milliseconds(250)),
        ("0ms", .zero),
        ("15s", .seconds(15)),
        ("1.5s", .milliseconds(1_500)),
        ("30m", .seconds(1_800)),
        ("2h", .seconds(7_200)),
        ("7d", .seconds(604_800)),
        (" 60s ", .seconds(60)),
    ])
    func parsesValidDurations(text: String, expected: Duration) throws {
        #expect(try DurationParser.parse(text) == expected)
    }

    @Test("rejects malformed durations with a reason", arguments: [
        ("", "is empty"),
        ("15", "has no unit"),
        ("s", "does not start with a number"),
        ("-5s", "does not start with a number"),
        ("1.2.3s", "malformed number"),
        ("5w", "unknown unit 'w'"),
        ("5 s", "unknown unit ' s'"),
        ("10000h", "longer than 366 days"),
        ("0.5ms", "whole number of milliseconds"),
    ])
    func rejectsInvalidDurations(text: String, reason: String) {
        #expect {
            _ = try DurationParser.parse(text)
        } throws: { error in
            (error as? DurationParser.Problem)?.description.contains(reason) == true
        }
    }

    @Test("formats durations back into the unit they are written in", arguments: [
        (Duration.milliseconds(250), "250ms"), (.seconds(15), "15s"), (.seconds(1_800), "30m"), (.seconds(7_200), "2h"), (.seconds(604_800), "7d"),
        (.seconds(90_000), "25h"), (.zero, "0s"),
    ])
    func formats(duration: Duration, text: String) throws {
        #expect(DurationParser.format(duration) == text)
        #expect(try DurationParser.parse(text) == duration)
    }
}
