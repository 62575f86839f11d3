import Core
import Foundation

/// Unbuffered standard error, for progress and error lines. In a job of several ranks only
/// rank 0 speaks (a failing rank's error goes out through runStage, whichever rank it is).
public enum FileHandleStderr {
    public static func write(_ s: String) {
        if Ranks.world.isRoot { FileHandle.standardError.write(Data(s.utf8)) }
    }
}

/// True when stdout or stderr is a terminal and CI is not set: progress redraws one line then.
public var isInteractive: Bool { isatty(2) != 0 && ProcessInfo.processInfo.environment["CI"] == nil }
