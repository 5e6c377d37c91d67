// WifiLogReader on invented syslog lines in two vendor styles (Cisco IOS access points with
// the default pattern, an Aruba controller with its own pattern through the options), the
// time forms, the year, custom attach/detach groups, and bad input.

import FMCCore
import Foundation
import Testing

@testable import FMCTrace

@Suite("Wi-Fi association log reader")
struct WifiLogReaderTests {
    static let t2026 = Int64(1_795_587_781) * 1_000_000_000  // 2026-11-25T06:23:01Z

    static let cisco = """
        Nov 25 06:23:01 AcadBldg10AP3 4528: Nov 25 06:23:00.937 EST: %DOT11-6-ASSOC: Interface Dot11Radio0, Station AcadBldg10AP3 0011.2233.4455 Associated KEY_MGMT[NONE]
        Nov 25 06:23:05 AcadBldg10AP3 4529: %DOT11-6-DISASSOC: Interface Dot11Radio0, Deauthenticating Station 0011.2233.4455 Reason: Sending station has left the BSS
        Nov 25 06:23:09 ResBldg2AP1 77: %DOT11-6-ROAMED: Station 0011.2233.4455 Roamed to 0a0b.0c0d.0e0f
        Nov 25 06:23:10 ResBldg2AP1 78: %LINK-3-UPDOWN: Interface Dot11Radio0, changed state to up
        Nov 25 06:23:11 ResBldg2AP1 79: %DOT11-6-ASSOC: Interface Dot11Radio1, Station 00:AA:bb:cc:dd:EE Reassociated KEY_MGMT[WPAv2 PSK]
        Nov 25 06:23:12 LibAP7 80: %DOT11-4-ASSOC_FAIL: Station 00aa.bbcc.ddee Association failed
        Nov  5 06:23:13 LibAP7 81: %DOT11-6-ASSOC: Interface Dot11Radio0, Station 00-aa-bb-cc-dd-ee Associated KEY_MGMT[NONE]

        """

    @Test("Cisco IOS access points with the default pattern: attach, detach, roam; MACs normalised")
    func ciscoDefault() throws {
        let d = Scratch()
        var o = MobilityOptions()
        o.wifiYear = 2026
        let p = d.file("cisco.log", Self.cisco.replacingOccurrences(of: "Nov  5", with: "Nov 25"))
        let r = try WifiLogReader(path: p, options: o)
        let t = Self.t2026
        #expect(try drain(r) == [
            .attach(node: 0, timeNs: t, point: "AcadBldg10AP3", cell: nil, line: 1),
            .detach(node: 0, timeNs: t + 4_000_000_000, line: 2),
            .attach(node: 0, timeNs: t + 8_000_000_000, point: "ResBldg2AP1", cell: nil, line: 3),
            .attach(node: 1, timeNs: t + 10_000_000_000, point: "ResBldg2AP1", cell: nil, line: 5),
            .attach(node: 1, timeNs: t + 12_000_000_000, point: "LibAP7", cell: nil, line: 7),
        ])
        #expect(r.nodes.names == ["00:11:22:33:44:55", "00:aa:bb:cc:dd:ee"])
        // The link-state line and the failed association are skipped, and counted.
        #expect(r.skippedLines == 2)
        #expect(r.records == 5)
        #expect(r.timeOrdered && r.format == .wifi)
    }

    @Test("an Aruba controller's log with its own pattern through the options")
    func arubaPattern() throws {
        let d = Scratch()
        let p = d.file("aruba.log", """
            Nov 25 06:30:00 wlc-1 stm[1234]: <501095> <NOTI> |AP ap-12@10.0.0.12 stm|  Assoc success @ 06:30:00.123456: 00:11:22:33:44:55 (SN 0): AP 10.0.0.12-6c:f3:7f:00:00:12-ap-12
            Nov 25 06:30:40 wlc-1 stm[1234]: <501109> <NOTI> |AP ap-12@10.0.0.12 stm|  Auth request: 00:11:22:33:44:55: AP 10.0.0.12-6c:f3:7f:00:00:12-ap-12 auth_alg 0
            Nov 25 06:31:00 wlc-1 stm[1234]: <501080> <NOTI> |AP ap-13@10.0.0.13 stm|  Deauth to sta: 00:11:22:33:44:55: Ageout AP 10.0.0.13-6c:f3:7f:00:00:13-ap-13 Sapcp Ageout
            Nov 25 06:32:00 wlc-1 stm[1234]: <501100> <NOTI> |AP ap-14@10.0.0.14 stm|  Assoc failure: 00:11:22:33:44:55: AP 10.0.0.14-6c:f3:7f:00:00:14-ap-14 Reason Denied
            Nov 25 06:33:00 wlc-1 stm[1234]: <501095> <NOTI> |AP ap-14@10.0.0.14 stm|  Reassoc success @ 06:33:00.5: 00:11:22:33:44:66 (SN 0): AP 10.0.0.14-6c:f3:7f:00:00:14-ap-14

            """)
        var o = MobilityOptions()
        o.wifiYear = 2026
        o.wifiPattern = #"^(?<time>[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d) \S+ stm\[\d+\]: <\d+> <\w+> \|AP (?<ap>[^@ |]+)@\S+ stm\|\s+(?<type>Assoc success|Assoc failure|Reassoc success|Deauth to sta|Deauth from sta|Disassoc from sta)\b.*?(?<client>(?:[0-9a-f]{2}:){5}[0-9a-f]{2})"#
        let r = try WifiLogReader(path: p, options: o)
        let t = Self.t2026 + 419_000_000_000  // 06:30:00
        #expect(try drain(r) == [
            .attach(node: 0, timeNs: t, point: "ap-12", cell: nil, line: 1),
            .detach(node: 0, timeNs: t + 60_000_000_000, line: 3),
            .attach(node: 1, timeNs: t + 180_000_000_000, point: "ap-14", cell: nil, line: 5),
        ])
        #expect(r.skippedLines == 2)
        // The default pattern reads such a log too, but names the controller, not the AP:
        // that is why the pattern is configurable.
        var plain = MobilityOptions()
        plain.wifiYear = 2026
        let dflt = try drain(WifiLogReader(path: p, options: plain))
        #expect(dflt.first == .attach(node: 0, timeNs: t, point: "wlc-1", cell: nil, line: 1))
    }

    @Test("a pattern may decide with attach/detach groups instead of the type word")
    func groups() throws {
        let d = Scratch()
        let p = d.file("g.log", "1795587781 ap1 JOIN aa:bb:cc:dd:ee:ff\n1795587782 ap1 LEAVE aa:bb:cc:dd:ee:ff\n1795587783 ap1 PING aa:bb:cc:dd:ee:ff\n")
        var o = MobilityOptions()
        o.wifiPattern = #"^(?<time>\d+) (?<ap>\S+) (?:(?<attach>JOIN)|(?<detach>LEAVE)|\w+) (?<client>\S+)$"#
        let r = try WifiLogReader(path: p, options: o)
        #expect(try drain(r) == [.attach(node: 0, timeNs: Self.t2026, point: "ap1", cell: nil, line: 1),
                                  .detach(node: 0, timeNs: Self.t2026 + 1_000_000_000, line: 2)])
        #expect(r.skippedLines == 1)
    }

    @Test("time forms: ISO 8601 and epoch seconds work with the default pattern")
    func timeForms() throws {
        let d = Scratch()
        let p = d.file("t.log", """
            2026-11-25T06:23:01.5Z ap1 Station 00:11:22:33:44:55 Associated
            2026-11-25T07:23:02+01:00 ap2 Station 00:11:22:33:44:55 Reassociated
            1795587783.25 ap3 Station 00:11:22:33:44:55 Disassociated

            """)
        let times = try drain(WifiLogReader(path: p)).map(\.timeNs)
        let t = Self.t2026
        #expect(times == [t + 500_000_000, t + 1_000_000_000, t + 2_250_000_000])
    }

    @Test("syslog times have no year: 1970 by default, wifiYear otherwise, and the turn of a year is followed")
    func years() throws {
        let d = Scratch()
        let one = "Nov 25 06:23:01 ap1 Station 00:11:22:33:44:55 Associated\n"
        let r = try WifiLogReader(path: d.file("a.log", one))
        #expect(try drain(r).map(\.timeNs) == [28_362_181_000_000_000])
        #expect(r.year == 1970)
        var o = MobilityOptions()
        o.wifiYear = 2026
        let turn = try WifiLogReader(path: d.file("b.log", """
            Dec 31 23:59:58 ap1 Station 00:11:22:33:44:55 Associated
            Jan  1 00:00:05 ap2 Station 00:11:22:33:44:55 Associated
            Feb 29 00:00:00 ap2 Station 00:11:22:33:44:55 Disassociated

            """), options: o)
        let (recs, e, _) = drainUntilError { turn }
        #expect(recs.map(\.timeNs) == [1_798_761_598_000_000_000, 1_798_761_605_000_000_000])
        #expect(turn.year == 2027)
        // 2027 has no 29 February.
        #expect(e?.place == .line(3, column: nil) && e?.message.contains("not a syslog") == true)
    }

    @Test("gzip input, and lines that match nothing are counted")
    func gzip() throws {
        let d = Scratch()
        let p = try d.gzipped("c.log", "kernel: eth0 up\n" + Self.cisco)
        var o = MobilityOptions()
        o.wifiYear = 2026
        let (recs, e, r) = drainUntilError { try WifiLogReader(path: p, options: o) }
        // "Nov  5" after "Nov 25" goes backwards: the records before it are kept.
        #expect(recs.count == 4)
        #expect(e?.place == .line(8, column: nil) && e?.message.contains("backwards") == true)
        #expect(r?.skippedLines == 3)
    }

    @Test("patterns: invalid, or without the named groups, are errors naming --wifi-pattern")
    func patterns() throws {
        let d = Scratch()
        let p = d.file("x.log", "")
        for bad in ["(?<time>x", "(?<time>x) (?<ap>y) (?<client>z)", "plain"] {
            var o = MobilityOptions()
            o.wifiPattern = bad
            let e = #expect(throws: InputError.self) { _ = try WifiLogReader(path: p, options: o) }
            #expect(e?.file == "--wifi-pattern", "\(bad)")
        }
    }

    @Test("a time the pattern captures but no parser reads is an error with the line")
    func badTime() throws {
        let d = Scratch()
        var o = MobilityOptions()
        o.wifiPattern = #"^(?<time>\S+) (?<ap>\S+) (?<type>\w+) (?<client>\S+)"#
        let p = d.file("b.log", "1 ap assoc 00:11:22:33:44:55\nyesterday ap assoc 00:11:22:33:44:55\n")
        let (recs, e, _) = drainUntilError { try WifiLogReader(path: p, options: o) }
        #expect(recs.count == 1)
        #expect(e?.file == p && e?.place == .line(2, column: nil) && e?.message.contains("yesterday") == true)
    }

    @Test("the word mapping", arguments: [
        ("Associated", false), ("ASSOC", false), ("Reassociated", false), ("reassoc", false), ("Roamed", false),
        ("Disassociated", true), ("DISASSOC", true), ("Deauthenticating", true), ("deauth", true),
        ("Association failed", nil), ("Assoc failure", nil), ("Association rejected", nil), ("Auth", nil), ("probe", nil),
    ] as [(String, Bool?)])
    func mapping(_ word: String, _ detach: Bool?) {
        #expect(WifiLogReader.kind(Substring(word)) == detach)
    }
}
