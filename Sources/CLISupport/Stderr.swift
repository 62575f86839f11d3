import Foundation

/// Unbuffered standard error, for progress and error lines.
public enum FileHandleStderr {
    public static func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}

/// True when stdout or stderr is a terminal and CI is not set: progress redraws one line then.
public var isInteractive: Bool { isatty(2) != 0 && ProcessInfo.processInfo.environment["CI"] == nil }
