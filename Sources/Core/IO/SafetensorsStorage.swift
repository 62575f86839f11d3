#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

extension SafetensorsFile {
    /// Where a safetensors file's bytes are read from. A plain file stays on disk and each
    /// tensor is read with pread when it is loaded, so loading never holds the file in memory
    /// beside the weights it fills (a 1 GB bf16 checkpoint cost 1 GB of resident memory on top
    /// of the model while it was read whole). A zstd-compressed file is decompressed into memory.
    enum Storage {
        case memory([UInt8])
        case file(FileDescriptor)

        /// An open descriptor, closed when the last SafetensorsFile holding it goes.
        final class FileDescriptor {
            let fd: Int32
            let size: Int
            init(fd: Int32, size: Int) { self.fd = fd; self.size = size }
            deinit { _ = close(fd) }
        }

        static func open(_ path: String) throws -> Storage {
            let fd = try IOPosix.openForReading(path)
            let handle = FileDescriptor(fd: fd, size: IOPosix.fileSize(fd) ?? 0)
            let magic = try Storage.file(handle).bytes(at: 0, count: min(4, handle.size), path: path)
            if magic.count == 4 && magic.elementsEqual(Zstd.magic.prefix(4)) {
                return .memory(try ArtifactFile.readBytes(path))
            }
            return .file(handle)
        }

        var size: Int {
            switch self {
            case .memory(let b): return b.count
            case .file(let h): return h.size
            }
        }

        /// `count` bytes from `offset` (fewer at the end of the file).
        func bytes(at offset: Int, count: Int, path: String) throws -> [UInt8] {
            let n = max(0, min(count, size - offset))
            return try [UInt8](unsafeUninitializedCapacity: max(1, n)) { buf, initialized in
                try withBytes(at: offset, count: n, path: path) { src in
                    buf.baseAddress!.update(from: src.assumingMemoryBound(to: UInt8.self), count: n)
                }
                initialized = n
            }
        }

        /// body sees bytes offset ..< offset + count. The header check keeps every tensor inside
        /// the file; a range outside it is refused all the same, never read.
        func withBytes<R>(at offset: Int, count: Int, path: String, _ body: (UnsafeRawPointer) throws -> R) throws -> R {
            guard offset >= 0 && count >= 0 && offset <= size - count else {
                throw PrefkitError("\(path): read of \(count) bytes at \(offset) is outside the file (\(size) bytes)")
            }
            switch self {
            case .memory(let b):
                return try b.withUnsafeBytes { try body($0.baseAddress! + offset) }
            case .file(let h):
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(1, count), alignment: 16)
                defer { buffer.deallocate() }
                var done = 0
                while done < count {
                    let got = pread(h.fd, buffer + done, count - done, off_t(offset + done))
                    if got < 0 && errno == EINTR { continue }
                    guard got > 0 else {
                        throw PrefkitError("\(path): read failed at byte \(offset + done)" + (got < 0 ? ": \(IOPosix.describe(errno))" : ": the file ended (truncated while loading?)"))
                    }
                    done += got
                }
                return try body(UnsafeRawPointer(buffer))
            }
        }
    }
}
