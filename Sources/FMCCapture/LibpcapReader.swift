// The libpcap engine: libpcap's own savefile reader, for users who want tcpdump's exact
// reading behaviour and for tests that hold fmc's decoder to libpcap's counts.
//
// Plain files go to pcap_open_offline; gzip input is inflated by fmc's zlib layer and handed
// to pcap_fopen_offline as a stdio stream. libpcap knows no byte offsets of records, so its
// errors name the record index and the offset where libpcap stopped reading.

import CCaptureSupport
import CPcap
import FMCCore
import FMCIO
#if canImport(Glibc)
import Glibc
#endif

final class LibpcapReader: PacketSource {
    let path: String
    private(set) var formatName = "pcap"
    private(set) var variant = ""
    private(set) var compressionLayers = 0
    private(set) var interfaces: [CaptureInterface] = []
    let damage: [InputError] = []
    let skippedBytes: Int64 = 0
    private(set) var backwardSteps = 0
    private(set) var firstBackwardStep: InputError?
    var warnings: [InputError] { [] }

    private var handle: OpaquePointer?
    private var stream: LayeredStream?
    private var packets = 0
    private var lastTime = Int64.min
    private var ended = false

    init(path: String) throws {
        self.path = path
        let s = try LayeredStream(path: path)
        compressionLayers = s.compressionLayers
        // Peek the magic so the summary can name the format (libpcap does not expose it).
        if try s.guarded({ try s.reader.ensure(4) }) {
            if s.reader.pointer.loadUnaligned(as: UInt32.self) == 0x0A0D_0D0A { formatName = "pcapng" }
        }
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        if compressionLayers == 0 {
            handle = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf)
        } else {
            stream = s
            let context = Unmanaged.passUnretained(s.reader).toOpaque()
            guard let file = fmc_fopen_reader(context, { ctx, buffer, size in
                let reader = Unmanaged<ByteReader>.fromOpaque(ctx!).takeUnretainedValue()
                do {
                    return try reader.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: size))
                } catch {
                    return -1
                }
            }) else {
                throw InputError(file: path, place: .whole, message: "cannot create a stream for libpcap")
            }
            handle = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf)
            if handle == nil { fclose(file) }
        }
        guard let handle else {
            throw InputError(file: path, place: .whole,
                             message: "libpcap: " + String(cString: errbuf), offsetIsDecompressed: compressionLayers > 0)
        }
        let link = Int(pcap_datalink(handle))
        interfaces = [CaptureInterface(
            linkType: link, snapLength: Int(pcap_snapshot(handle)), name: nil, section: 0,
            ticksPerSecond: 1_000_000_000, offsetSeconds: 0)]
        variant = pcap_is_swapped(handle) != 0 ? "byte-swapped (libpcap)" : "native byte order (libpcap)"
    }

    deinit {
        if let handle { pcap_close(handle) }
    }

    func next() throws -> RawPacket? {
        guard !ended, let handle else { return nil }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let rc = pcap_next_ex(handle, &header, &data)
        switch rc {
        case 1:
            let h = header!.pointee
            packets += 1
            let time = Int64(h.ts.tv_sec) &* 1_000_000_000 &+ Int64(h.ts.tv_usec)
            if time < lastTime {
                backwardSteps += 1
                if firstBackwardStep == nil {
                    firstBackwardStep = InputError(
                        file: path, place: .record(packets, offset: -1),
                        message: "timestamp goes backwards by \(formatSeconds(lastTime - time)) s")
                }
            }
            lastTime = time
            // libpcap may report a datalink per packet for pcapng; it keeps one per file.
            return RawPacket(
                timeNs: time, interface: 0, linkType: interfaces[0].linkType,
                capturedLength: Int(h.caplen), originalLength: Int(h.len), data: UnsafeRawPointer(data!))
        case PCAP_ERROR_BREAK:
            ended = true
            return nil
        default:
            ended = true
            let why = String(cString: pcap_geterr(handle))
            let at = ftello(pcap_file(handle))
            throw InputError(
                file: path, place: .byte(Int64(at)),
                message: "record \(packets + 1): libpcap: \(why) (libpcap stopped at this offset)",
                offsetIsDecompressed: compressionLayers > 0)
        }
    }
}
