// Time in fmc is Int64 nanoseconds (DESIGN.md §4.2); these helpers only format it.

/// Seconds with exactly nine fraction digits, e.g. 1.000120000; no floating point involved.
public func formatSeconds(_ ns: Int64) -> String {
    let sign = ns < 0 ? "-" : ""
    let m = ns.magnitude
    let frac = String(m % 1_000_000_000)
    return sign + String(m / 1_000_000_000) + "." + String(repeating: "0", count: 9 - frac.count) + frac
}

/// UTC calendar time with nanoseconds, ISO 8601: 2026-11-25T06:40:01.123456789Z.
public func formatUTC(_ ns: Int64) -> String {
    let (seconds, frac) = ns.quotientAndRemainder(dividingBy: 1_000_000_000)
    var s = seconds, f = frac
    if f < 0 { s -= 1; f += 1_000_000_000 }
    let (days0, rem0) = s.quotientAndRemainder(dividingBy: 86_400)
    var days = days0, rem = rem0
    if rem < 0 { days -= 1; rem += 86_400 }
    // Civil date from days since 1970-01-01 (proleptic Gregorian), after Howard Hinnant's
    // published derivation of the era/year-of-era arithmetic.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
    func pad(_ v: Int64, _ w: Int) -> String {
        let t = String(v)
        return String(repeating: "0", count: max(0, w - t.count)) + t
    }
    return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rem / 3600, 2)):\(pad(rem / 60 % 60, 2)):\(pad(rem % 60, 2)).\(pad(f, 9))Z"
}
