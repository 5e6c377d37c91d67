// What `fmc compare` prints: a side-by-side table for people, JSON for machines.

import FMCCore

extension Comparison {
    /// The noise rule in words, for help texts and the JSON output.
    public static let noiseRule = "with repeated runs on both sides, a change is a regression only when the candidate's mean is over the threshold and above the highest base run by more than k standard errors of the difference of the means, sqrt(sb^2/nb + sc^2/nc)"

    public func table(onlyRuled: Bool = false) -> String {
        var out = ""
        out += "base:      \(describe(base))\n"
        out += "candidate: \(describe(candidate))\n"
        if verdict == .notComparable {
            out += "\nnot comparable:\n"
            for p in problems { out += "  - \(p)\n" }
            for n in notes { out += "note: \(n)\n" }
            return out
        }
        out += usedRepeats ? "values: mean ±sd over the repeated runs\n" : ""
        out += "\n"
        var lines: [[String]] = [["metric", "base", "candidate", "change", "change %", "rule", "status"]]
        for r in rows where !onlyRuled || r.rule != nil {
            lines.append([
                r.path,
                cell(r.base, r.baseStats),
                cell(r.candidate, r.candidateStats),
                r.change.map(Format.signed) ?? "",
                r.changePercent.map { Format.signed(($0 * 10).rounded() / 10) + "%" } ?? "",
                r.rule?.label ?? "",
                r.status == .regression ? "REGRESSION" : r.status.rawValue,
            ])
        }
        var widths = [Int](repeating: 0, count: lines[0].count)
        for l in lines { for (i, c) in l.enumerated() { widths[i] = max(widths[i], c.count) } }
        for l in lines {
            var text = ""
            for (i, c) in l.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - c.count)
                // Numbers right-aligned, words left-aligned.
                text += (1...4).contains(i) ? pad + c : c + pad
                if i < l.count - 1 { text += "  " }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            out += text + "\n"
        }
        out += "\n"
        for n in notes { out += "note: \(n)\n" }
        for u in unmatchedOverrides { out += "warning: --threshold pattern '\(u)' matches no metric\n" }
        let regs = regressions
        if regs.isEmpty {
            let noisy = rows.filter { $0.status == .noise }.count
            out += "verdict: no regression (\(rows.filter { $0.rule?.percent != nil && $0.status != .unruled }.count) metrics checked"
            out += noisy > 0 ? ", \(noisy) over a threshold but within the noise)\n" : ")\n"
        } else {
            out += "verdict: REGRESSION in \(regs.count) metric\(regs.count == 1 ? "" : "s"):\n"
            for r in regs { out += "  \(r.path) (\(r.rule?.label ?? "")): \(r.reason ?? "")\n" }
        }
        return out
    }

    func cell(_ v: Double?, _ s: MetricStats?) -> String {
        guard let v else { return "-" }
        guard let s, s.n > 1 else { return Format.number(v) }
        return Format.number(v) + " ±" + Format.number(s.stddev)
    }

    func describe(_ r: RunReport) -> String {
        var s = r.path.isEmpty ? "(in memory)" : r.path
        s += " — \(r.scenario ?? "?"), \(r.controller ?? "?"), \(r.strategy ?? "?")"
        if let rep = r.repeatSummary, rep.seeds.count > 0 {
            s += ", \(rep.seeds.count) runs (seeds \(rep.seeds.map(String.init).joined(separator: ",")))"
        } else {
            s += ", seed \(r.seed.map(String.init) ?? "?")"
        }
        return s
    }

    public var json: JSON {
        // Differences of figures with three decimals: 1e-9 keeps them exact and short.
        func num(_ v: Double?) -> JSON { v.map { .double(($0 * 1e9).rounded() / 1e9) } ?? .null }
        func side(_ r: RunReport) -> JSON {
            .object([
                ("path", .string(r.path)),
                ("scenario", r.scenario.map { .string($0) } ?? .null),
                ("controller", r.controller.map { .string($0) } ?? .null),
                ("strategy", r.strategy.map { .string($0) } ?? .null),
                ("seed", r.seed.map { .integer($0) } ?? .null),
                ("runs", .int(r.repeatSummary?.seeds.count ?? 1)),
            ])
        }
        func row(_ r: ComparisonRow) -> JSON {
            var f: [(String, JSON)] = [
                ("metric", .string(r.path)),
                ("base", num(r.base)),
                ("candidate", num(r.candidate)),
                ("change", num(r.change)),
                ("change_pct", num(r.changePercent)),
                ("rule", r.rule.map { .string($0.label) } ?? .null),
                ("status", .string(r.status.rawValue)),
            ]
            if let s = r.baseStats { f.append(("base_stats", s.json)) }
            if let s = r.candidateStats { f.append(("candidate_stats", s.json)) }
            if let why = r.reason { f.append(("reason", .string(why))) }
            return .object(f)
        }
        return .object([
            ("verdict", .string(verdict.rawValue)),
            ("exit_status", .int(verdict.exitStatus)),
            ("base", side(base)),
            ("candidate", side(candidate)),
            ("repeats_used", .bool(usedRepeats)),
            ("noise_rule", usedRepeats ? .string(Comparison.noiseRule + " (k = \(Format.number(options.noiseStandardErrors)))") : .null),
            ("problems", .array(problems.map { .string($0) })),
            ("notes", .array(notes.map { .string($0) })),
            ("unmatched_thresholds", .array(unmatchedOverrides.map { .string($0) })),
            ("regressions", .array(regressions.map(row))),
            ("rows", .array(rows.map(row))),
        ])
    }
}
