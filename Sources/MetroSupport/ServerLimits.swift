import HummingbirdCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// The timeouts and the connection cap every HTTP server of the package runs with: the bot's and
/// both fakes'.
///
/// Without them a client that opens a connection and sends nothing, sends its request head a byte
/// at a time, or never finishes its body holds a connection forever, and a few hundred such
/// clients (slowloris) hold them all. The defaults are those of common reverse proxies: HAProxy's
/// recommended `timeout http-request 10s` for the head, nginx's `client_body_timeout 60s` halved
/// for a 1 MiB body, nginx's `keepalive_timeout 75s` between requests. A connection past its
/// deadline is closed; one over the cap is closed as soon as it is accepted.
public struct ServerLimits: Sendable, Equatable {
    /// From a connection's opening to the end of its first request head. Defaults to 10 seconds.
    public var headTimeout: Duration
    /// From the end of a request head to the end of its body. Defaults to 30 seconds.
    public var bodyTimeout: Duration
    /// From the end of a response to the end of the next request head on a kept-alive
    /// connection. Defaults to 75 seconds.
    public var idleTimeout: Duration
    /// Connections open at once; more are closed on arrival. Defaults to 512.
    public var maximumConnections: Int

    /// Creates limits; every parameter defaults to the value documented on its property.
    public init(headTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30),
                idleTimeout: Duration = .seconds(75), maximumConnections: Int = 512) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maximumConnections = max(maximumConnections, 1)
    }

    /// The defaults.
    public static let standard = ServerLimits()
}

extension HTTPServerBuilder {
    /// An HTTP/1.1 server that enforces `limits` on every connection.
    /// - Parameter connections: Counts open connections; pass one to read its figures (tests).
    ///   Defaults to a counter of the server's own.
    public static func http1(limits: ServerLimits, connections: ConnectionCounter = ConnectionCounter()) -> HTTPServerBuilder {
        .http1(configuration: .init(additionalChannelHandlers: [
            ConnectionLimitHandler(counter: connections, maximum: limits.maximumConnections),
            RequestDeadlineHandler(limits: limits),
        ]))
    }
}

/// How many connections a server holds open, and how many it closed for being over its cap.
public final class ConnectionCounter: Sendable {
    private let open = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)

    /// Creates a counter at zero.
    public init() {}

    /// Connections open now.
    public var openConnections: Int { open.load(ordering: .relaxed) }
    /// Connections closed on arrival since the server started.
    public var refusedConnections: Int { refused.load(ordering: .relaxed) }

    /// Counts a new connection; false (and not counted) when that would exceed `maximum`.
    func admit(maximum: Int) -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard now <= maximum else {
            open.wrappingSubtract(1, ordering: .relaxed)
            refused.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }
}

/// Closes a connection that arrives while `maximum` are already open.
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let counter: ConnectionCounter
    private let maximum: Int
    /// Whether the connection was counted or refused yet (the handler may be added to an active
    /// channel, or before it becomes active: it decides once).
    private var decided = false
    private var admitted = false

    init(counter: ConnectionCounter, maximum: Int) {
        self.counter = counter
        self.maximum = maximum
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if admitted {
            admitted = false
            counter.release()
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if admitted {
            admitted = false
            counter.release()
        }
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard !decided else { return }
        decided = true
        if counter.admit(maximum: maximum) {
            admitted = true
        } else {
            context.close(promise: nil)
        }
    }
}

/// Closes a connection whose request head, body, or next request does not arrive in time.
///
/// One deadline is armed at a time, by phase: waiting for a head (`headTimeout` on a new
/// connection, `idleTimeout` after a response), reading a body (`bodyTimeout`), and none while the
/// application answers, whose own deadlines apply.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ServerLimits
    private var deadline: Scheduled<Void>?
    /// Of the current exchange: whether the request's end was read, and the response's written.
    /// An answer may go out before its request was read to the end (a 413, say).
    private var requestEnded = false
    private var responseEnded = false

    init(limits: ServerLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(limits.headTimeout, context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        if deadline == nil { arm(limits.headTimeout, context) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestEnded = false
            responseEnded = false
            arm(limits.bodyTimeout, context)
        case .body:
            break
        case .end:
            requestEnded = true
            if responseEnded { arm(limits.idleTimeout, context) } else { disarm() }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            responseEnded = true
            // Still reading the body: its deadline stays armed.
            if requestEnded { arm(limits.idleTimeout, context) }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ timeout: Duration, _ context: ChannelHandlerContext) {
        disarm()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            channel.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
