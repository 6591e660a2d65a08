import Hummingbird
import NIOCore
import MetroSupport

/// The request context of the fake's router: Hummingbird's core storage plus the connection, so
/// that `reset` / `close` / `timeout` faults can drop it.
struct SheetsRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
