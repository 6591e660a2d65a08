import Hummingbird
import NIOCore
import MetroSupport

/// The request context of the fake's server: Hummingbird's basics plus the connection's channel,
/// which the `reset` and `close` faults drop.
struct FakeTelegramRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Bodies are read by the routes themselves with the configured limit.
    var maxUploadSize: Int { 64 << 20 }
}
