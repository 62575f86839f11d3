#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin checked wrappers over the POSIX calls the artifact layer needs.
/// Every failure becomes a PrefkitError naming the path, because a bare errno
/// ("No such file or directory") is useless in a log of a multi-hour run.
enum IOPosix {
    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    static func openForReading(_ path: String) throws -> Int32 {
        while true {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                var st = stat()
                // Reading a directory fails later with a confusing EISDIR; say it up front.
                if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                    _ = close(fd)
                    throw PrefkitError("\(path): is a directory, not a file")
                }
                return fd
            }
            let code = errno
            if code == EINTR { continue }
            if code == ENOENT { throw PrefkitError("\(path): no such file") }
            throw PrefkitError("\(path): cannot open: \(describe(code))")
        }
    }

    /// Reads at most `count` bytes; returns 0 only at end of file.
    static func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, path: String) throws -> Int {
        while true {
            let n = read(fd, buffer, count)
            if n >= 0 { return n }
            let code = errno
            if code == EINTR { continue }
            throw PrefkitError("\(path): read failed: \(describe(code))")
        }
    }

    /// Fills the buffer unless end of file comes first; returns the byte count read.
    static func readFully(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, path: String) throws -> Int {
        var done = 0
        while done < count {
            let n = try readSome(fd, buffer + done, count - done, path: path)
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// write(2) may write less than asked (signals, quotas), so loop until all is out.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int, path: String) throws {
        var done = 0
        while done < count {
            let n = write(fd, bytes + done, count - done)
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw PrefkitError("\(path): write failed: \(describe(code))")
            }
            if n == 0 { throw PrefkitError("\(path): write failed: no progress") }
            done += n
        }
    }

    static func fileSize(_ fd: Int32) -> Int? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// mkdir -p; `forPath` is only used to make the error message point at the artifact.
    static func makeDirectories(_ dir: String, forPath: String) throws {
        if dir.isEmpty || isDirectory(dir) { return }
        let parent = directoryName(dir)
        if parent != dir { try makeDirectories(parent, forPath: forPath) }
        if mkdir(dir, 0o755) != 0 {
            let code = errno
            // Another process may have created it between our check and mkdir.
            if code == EEXIST && isDirectory(dir) { return }
            let why = code == EEXIST ? "it exists and is not a directory" : describe(code)
            throw PrefkitError("\(forPath): cannot create directory \(dir): \(why)")
        }
    }

    /// Makes a completed rename durable; best effort because the data itself is already safe.
    static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            _ = close(fd)
        }
    }
}
