/// Where the bot is deployed, as `chaos checklist --platform` names it, and the two facts of each
/// platform the checklist needs: whether the disk survives a deploy or restart, and how long the
/// platform waits after SIGTERM before it sends SIGKILL.
public enum DeploymentPlatform: String, Sendable, CaseIterable {
    /// Render's web service: the file system is new at every deploy unless a disk is attached;
    /// SIGKILL 30 s after SIGTERM (`maxShutdownDelaySeconds`, which the Blueprint can raise).
    case render
    /// A Kubernetes pod: the container's file system is gone with the pod unless a volume is
    /// mounted; SIGKILL at `terminationGracePeriodSeconds` (default 30), counted from the start
    /// of the preStop hook.
    case kubernetes
    /// A container run by Docker: a new container (every deploy) starts without the old one's
    /// files unless a named volume is mounted; `docker stop` sends SIGKILL after 10 s unless
    /// given `--time`.
    case docker
    /// A Heroku dyno: the file system is discarded at every restart, at least daily; SIGKILL 30 s
    /// after SIGTERM.
    case heroku
    /// A machine of one's own with a local disk, the bot run by systemd: SIGKILL after
    /// `TimeoutStopSec`, 90 s by default.
    case vm

    /// The platform `chaos checklist` assumes without `--platform`: Render, DESIGN.md's target.
    public static let `default` = DeploymentPlatform.render

    /// Whether files written outside a mounted volume are lost at a deploy or restart.
    public var diskIsEphemeral: Bool { self != .vm }

    /// The platform's default delay from SIGTERM to SIGKILL.
    public var defaultKillDeadline: Duration {
        switch self {
        case .render, .kubernetes, .heroku: .seconds(30)
        case .docker: .seconds(10)
        case .vm: .seconds(90)
        }
    }

    /// Where the default comes from, for the item's proof.
    var killDeadlineSource: String {
        switch self {
        case .render: "Render's SIGKILL (maxShutdownDelaySeconds, default 30 s)"
        case .kubernetes: "Kubernetes' default terminationGracePeriodSeconds (30 s)"
        case .docker: "docker stop's default --time (10 s)"
        case .heroku: "Heroku's SIGKILL (30 s)"
        case .vm: "systemd's default TimeoutStopSec (90 s)"
        }
    }

    /// The names `--platform` accepts, for its help and errors.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
