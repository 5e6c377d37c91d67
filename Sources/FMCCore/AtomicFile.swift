// Writing an output file so that a reader never sees half of it: the text goes to a
// temporary file in the same folder, which is then renamed over the target (rename is
// atomic within one file system). Reports and their pages are all written this way.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let posixWrite = Glibc.write
#elseif canImport(Darwin)
private let posixWrite = Darwin.write
#endif

public enum AtomicFile {
    public static func write(_ text: String, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw failure(path, "cannot write") }
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { posixWrite(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let e = failure(path, "cannot write")
                close(fd)
                unlink(tmp)
                throw e
            }
            done += n
        }
        bytes = []
        guard close(fd) == 0 else {
            let e = failure(path, "cannot write")
            unlink(tmp)
            throw e
        }
        if rename(tmp, path) != 0 {
            let e = failure(path, "cannot move the file into place")
            unlink(tmp)
            throw e
        }
    }

    static func failure(_ path: String, _ what: String) -> InputError {
        InputError(file: path, place: .whole, message: "\(what): \(String(cString: strerror(errno)))")
    }
}
