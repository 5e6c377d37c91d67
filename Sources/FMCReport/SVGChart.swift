// Charts as self-contained SVG (no scripts, no fonts fetched): line charts, step lines (CDFs
// and levels over time), grouped or stacked bars, and an empty frame that says why there is
// no data. Every chart has a title, axis labels with units, ticks and a legend beside the
// plot, sized to stay readable at laptop width. Used for the paper figures and the HTML
// report; drawn series carry class "data" so tests and the page checker can find them.

import Foundation

public struct ChartSeries: Sendable {
    public var name: String
    public var points: [(Double, Double)]
    public var dashed: Bool
    public init(name: String, points: [(Double, Double)], dashed: Bool = false) {
        self.name = name
        self.points = points
        self.dashed = dashed
    }
}

public struct BarSeries: Sendable {
    public var name: String
    /// One value per category.
    public var values: [Double]
    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}

public enum SVGChart {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    static func color(_ i: Int) -> String { palette[i % palette.count] }

    /// The dash of reference series (formulas), drawn pale and wide.
    static let referenceDash = "7 4"

    /// Past the palette, colours repeat with a different dash pattern so lines stay apart.
    static func dash(_ i: Int, _ dashed: Bool) -> String? {
        if dashed { return referenceDash }
        switch (i / palette.count) % 3 {
        case 1: return "2 3"
        case 2: return "8 3 2 3"
        default: return nil
        }
    }

    /// "Nice" tick values covering [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        let span = max(hi - lo, 1e-9)
        let raw = span / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t = (lo / step).rounded(.down) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 {
            out.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        if let last = out.last, last < hi - step * 1e-9 { out.append(last + step) }
        return out
    }

    /// 1, 2, 5 × powers of ten covering [lo, hi] (lo > 0).
    static func logTicks(_ lo: Double, _ hi: Double) -> [Double] {
        var e = floor(log10(lo))
        let start = [5.0, 2, 1].map { $0 * pow(10, e) }.first { $0 <= lo * 1.0001 } ?? pow(10, e)
        var out: [Double] = []
        while true {
            for m in [1.0, 2, 5] {
                let v = m * pow(10, e)
                guard v >= start / 1.0001 else { continue }
                out.append(v)
                if v >= hi / 1.0001 { return out }
            }
            e += 1
        }
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int64(v)) }
        if abs(v) >= 0.001 && abs(v) < 1e6 {
            var s = String(format: "%.4f", v)
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
            return s
        }
        return String(format: "%.3g", v)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// A numeric axis: linear, or logarithmic when the caller allows it and the data spans
    /// more than two decades (handover outages: tens of ms next to seconds).
    struct Axis {
        var lo: Double, hi: Double, log: Bool, ticks: [Double]

        /// `tight` ends the axis at the largest value rather than at the next tick (time
        /// axes: a run that ends at 300 s should not be drawn to 400 s).
        init(_ values: [Double], includeZero: Bool, allowLog: Bool = false, tight: Bool = false, fixed: (Double, Double)? = nil) {
            if let fixed {
                lo = fixed.0; hi = fixed.1; log = false
                ticks = SVGChart.ticks(lo, hi)
                return
            }
            let positive = values.filter { $0 > 0 }
            if allowLog, let mn = positive.min(), let mx = values.max(), mx / mn > 20, positive.count == values.count {
                log = true
                ticks = SVGChart.logTicks(mn, mx)
                lo = ticks.first!
                hi = ticks.last!
                if tight && ticks.count > 2 && mx < hi {
                    hi = mx
                    ticks = ticks.filter { $0 <= mx }
                }
                return
            }
            log = false
            var a = values.min() ?? 0, b = values.max() ?? 1
            if includeZero { a = min(a, 0); b = max(b, 0) }
            if b <= a { b = a + 1 }
            ticks = SVGChart.ticks(a, b)
            lo = ticks.first!
            hi = ticks.last! > lo ? ticks.last! : lo + 1
            if tight && ticks.count > 2 && b < hi && b > lo {
                hi = b
                ticks = ticks.filter { $0 <= b * (1 + 1e-12) }
            }
        }

        /// 0…1 along the axis.
        func frac(_ v: Double) -> Double {
            if log { return (log10(max(v, lo)) - log10(lo)) / (log10(hi) - log10(lo)) }
            return (v - lo) / (hi - lo)
        }
    }

    /// Title, plot area, axis labels and a legend column on the right.
    struct Canvas {
        let width: Double, height: Double
        let left = 78.0, top = 46.0
        let bottom: Double
        let legendWidth: Double
        /// Narrow charts (the paper figures) put the legend under the plot, not beside it.
        let legendBelow: Bool
        var out = ""

        init(title: String, legendNames: [String], width: Int, height: Int) {
            self.width = Double(width)
            self.height = Double(height)
            let longest = legendNames.map(\.count).max() ?? 0
            let beside = min(360, max(130, Double(longest) * 7.4 + 48))
            legendBelow = Double(width) - left - beside - 16 < 0.62 * Double(width)
            legendWidth = legendBelow ? 0 : beside
            bottom = 68 + (legendBelow ? 10 + 19 * Double(min(max(legendNames.count, 1), 6)) : 0)
            out = """
                <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="13">
                <title>\(escape(title))</title>
                <rect class="background" width="\(width)" height="\(height)" fill="white"/>
                <text class="chart-title" x="\(f(left))" y="26" font-size="16" font-weight="bold">\(escape(title))</text>

                """
        }

        var plotW: Double { width - left - (legendBelow ? 20 : legendWidth + 16) }
        var plotH: Double { height - top - bottom }
        func px(_ fr: Double) -> Double { left + fr * plotW }
        func py(_ fr: Double) -> Double { top + plotH - fr * plotH }

        mutating func yAxis(_ a: Axis, label: String) {
            for t in a.ticks {
                let y = py(a.frac(t))
                out += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotW))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#e3e3e3\"/>"
                out += "<text x=\"\(f(left - 7))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(SVGChart.label(t))</text>\n"
            }
            out += "<text class=\"axis-label y-label\" transform=\"translate(20 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(label))</text>\n"
        }

        mutating func xAxis(_ a: Axis, label: String) {
            // Thin the labels when they would touch.
            let widest = a.ticks.map { SVGChart.label($0).count }.max() ?? 1
            let every = max(1, Int((Double(widest) * 8 + 12) / max(plotW / Double(max(a.ticks.count - 1, 1)), 1)) + 1)
            for (i, t) in a.ticks.enumerated() {
                let x = px(a.frac(t))
                out += "<line x1=\"\(f(x))\" x2=\"\(f(x))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH + 5))\" stroke=\"#eeeeee\"/>"
                if i % every == 0 { out += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 20))\" text-anchor=\"middle\">\(SVGChart.label(t))</text>" }
                out += "\n"
            }
            xLabel(label)
        }

        mutating func xLabel(_ label: String, below: Double = 44) {
            out += "<text class=\"axis-label x-label\" x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH + below))\" text-anchor=\"middle\">\(escape(label))</text>\n"
        }

        mutating func frame() {
            out += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotW))\" y1=\"\(f(top + plotH))\" y2=\"\(f(top + plotH))\" stroke=\"#333\"/>"
            out += "<line x1=\"\(f(left))\" x2=\"\(f(left))\" y1=\"\(f(top))\" y2=\"\(f(top + plotH))\" stroke=\"#333\"/>\n"
        }

        /// Legend entries: a line sample or a swatch, then the name. Entries that do not fit
        /// are summed up in a last line.
        mutating func legend(_ entries: [(name: String, color: String, dash: String?, swatch: Bool)], muted: Bool = false) {
            let x = legendBelow ? left : left + plotW + 18
            let rowH = 19.0
            let firstY = legendBelow ? top + plotH + 74 : top + 22
            let fit = legendBelow ? 6 : max(1, Int((plotH - 8) / rowH))
            out += "<g class=\"legend\">\n"
            if !legendBelow { out += "<text class=\"legend-title\" x=\"\(f(x))\" y=\"\(f(top + 2))\" font-weight=\"bold\">Legend</text>\n" }
            let shown = entries.count > fit ? Array(entries.prefix(fit - 1)) : entries
            for (i, e) in shown.enumerated() {
                let y = firstY + Double(i) * rowH
                if e.swatch {
                    out += "<rect x=\"\(f(x))\" y=\"\(f(y - 10))\" width=\"14\" height=\"12\" fill=\"\(e.color)\"\(muted ? " fill-opacity=\"0.35\"" : "")/>"
                } else {
                    let d = e.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
                    let pale = e.dash == SVGChart.referenceDash
                    out += "<line x1=\"\(f(x))\" x2=\"\(f(x + 24))\" y1=\"\(f(y - 4))\" y2=\"\(f(y - 4))\" stroke=\"\(e.color)\" stroke-width=\"\(pale ? 5 : 3)\"\(d)\(muted || pale ? " stroke-opacity=\"\(muted ? 0.35 : 0.5)\"" : "")/>"
                }
                out += "<text x=\"\(f(x + 30))\" y=\"\(f(y))\">\(escape(e.name))</text>\n"
            }
            if shown.count < entries.count {
                let y = firstY + Double(shown.count) * rowH
                out += "<text x=\"\(f(x))\" y=\"\(f(y))\" font-style=\"italic\">… and \(entries.count - shown.count) more</text>\n"
            }
            out += "</g>\n"
        }

        mutating func note(_ text: String, cls: String) {
            out += "<text class=\"\(cls)\" x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" font-size=\"15\" fill=\"#555\">\(escape(text))</text>\n"
        }

        mutating func finish() -> String {
            out += "</svg>\n"
            return out
        }
    }

    public enum LineStyle: Sendable {
        /// Straight segments between points, each point marked.
        case line
        /// A level that holds until the next point (rules in a table over time).
        case level
        /// A cumulative distribution: starts at 0 at the first value, steps up at each point.
        case cdf
    }

    /// A line chart (kept with its original signature for the paper figures).
    public static func line(title: String, xLabel: String, yLabel: String, series: [ChartSeries],
                            width: Int = 640, height: Int = 400) -> String {
        lines(title: title, xLabel: xLabel, yLabel: yLabel, series: series, style: .line, width: width, height: height)
    }

    /// Line, level or CDF chart. `xEnd` extends level lines to the end of the run;
    /// `allowLogX` lets a wide-ranging x axis go logarithmic (the label then says so).
    public static func lines(title: String, xLabel: String, yLabel: String, series: [ChartSeries], style: LineStyle,
                             xEnd: Double? = nil, allowLogX: Bool = false, width: Int = 1160, height: Int = 420,
                             noData: String? = nil) -> String {
        let drawn = series.filter { !$0.points.isEmpty }
        if drawn.isEmpty {
            return empty(title: title, xLabel: xLabel, yLabel: yLabel, legend: series.map(\.name),
                         reason: noData ?? "no data: every series is empty", width: width, height: height)
        }
        var xs = drawn.flatMap { $0.points.map(\.0) }
        if let xEnd { xs.append(xEnd) }
        let ys = drawn.flatMap { $0.points.map(\.1) }
        let xa = Axis(xs, includeZero: false, allowLog: allowLogX, tight: style != .line)
        let ya = style == .cdf ? Axis([], includeZero: true, fixed: (0, 1)) : Axis(ys, includeZero: true)
        var c = Canvas(title: title, legendNames: series.map(\.name), width: width, height: height)
        c.yAxis(ya, label: yLabel)
        c.xAxis(xa, label: xa.log ? xLabel + ", log scale" : xLabel)
        c.frame()
        var entries: [(name: String, color: String, dash: String?, swatch: Bool)] = []
        // Dashed series (references such as formulas) go underneath, wide and pale, so a
        // measured line that matches one stays visible on top of it.
        let order = series.indices.filter { series[$0].dashed } + series.indices.filter { !series[$0].dashed }
        for (i, ser) in series.enumerated() { entries.append((ser.name, color(i), dash(i, ser.dashed), false)) }
        for i in order {
            let ser = series[i]
            let color = color(i), d = dash(i, ser.dashed)
            guard !ser.points.isEmpty else { continue }
            let pts = ser.points.map { (c.px(xa.frac($0.0)), c.py(ya.frac($0.1))) }
            var path = ""
            switch style {
            case .line:
                path = "M" + pts.map { "\(f($0.0)) \(f($0.1))" }.joined(separator: " L")
            case .level:
                path = "M\(f(pts[0].0)) \(f(pts[0].1))"
                for p in pts.dropFirst() { path += " H\(f(p.0)) V\(f(p.1))" }
                if let xEnd { path += " H\(f(max(c.px(xa.frac(xEnd)), pts.last!.0)))" }
            case .cdf:
                path = "M\(f(pts[0].0)) \(f(c.py(0))) V\(f(pts[0].1))"
                for p in pts.dropFirst() { path += " H\(f(p.0)) V\(f(p.1))" }
                path += " H\(f(c.px(1)))"
            }
            let dashAttr = d.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            c.out += "<g class=\"series\" data-series=\"\(escape(ser.name))\">"
            let stroke = ser.dashed ? "stroke-width=\"5\" stroke-opacity=\"0.5\"" : "stroke-width=\"2.2\""
            c.out += "<path class=\"data\" d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" \(stroke)\(dashAttr)/>"
            if style == .line && !ser.dashed && ser.points.count <= 200 {
                for p in pts { c.out += "<circle cx=\"\(f(p.0))\" cy=\"\(f(p.1))\" r=\"3\" fill=\"\(color)\"/>" }
            }
            c.out += "</g>\n"
        }
        c.legend(entries)
        return c.finish()
    }

    /// Bars per category: series side by side, or stacked.
    public static func bars(title: String, xLabel: String, yLabel: String, categories: [String], series: [BarSeries],
                            stacked: Bool = false, width: Int = 1160, height: Int = 420, noData: String? = nil) -> String {
        let total = series.reduce(0.0) { $0 + $1.values.reduce(0, +) }
        if categories.isEmpty || series.isEmpty || total <= 0 {
            return empty(title: title, xLabel: xLabel, yLabel: yLabel, legend: series.map(\.name),
                         reason: noData ?? "no data: every bar is zero", swatch: true, width: width, height: height)
        }
        let tops: [Double] = stacked
            ? categories.indices.map { i in series.reduce(0) { $0 + ($1.values.indices.contains(i) ? max(0, $1.values[i]) : 0) } }
            : series.flatMap(\.values)
        let ya = Axis(tops, includeZero: true)
        var c = Canvas(title: title, legendNames: series.map(\.name), width: width, height: height)
        c.yAxis(ya, label: yLabel)
        let band = c.plotW / Double(categories.count)
        let widest = Double(categories.map(\.count).max() ?? 1) * 7.6 + 8
        // Labels that do not fit side by side go on two staggered rows, then every k-th.
        let stagger = widest > band && widest <= 2 * band
        let every = stagger ? 1 : max(1, Int((widest / band).rounded(.up)))
        for (i, name) in categories.enumerated() where i % every == 0 {
            let x = c.left + (Double(i) + 0.5) * band
            let y = c.top + c.plotH + (stagger && i % 2 == 1 ? 36 : 20)
            c.out += "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"middle\">\(escape(name))</text>\n"
        }
        c.xLabel(xLabel, below: stagger ? 58 : 44)
        c.frame()
        let inner = band * (categories.count > 60 ? 0.95 : 0.8)
        for (si, ser) in series.enumerated() {
            c.out += "<g class=\"series\" data-series=\"\(escape(ser.name))\">"
            for (i, v) in ser.values.enumerated() where i < categories.count && v > 0 {
                let x0 = c.left + Double(i) * band + (band - inner) / 2
                var base = 0.0
                if stacked { for prev in series[..<si] where prev.values.indices.contains(i) { base += max(0, prev.values[i]) } }
                let bw = stacked ? inner : inner / Double(series.count)
                let x = stacked ? x0 : x0 + Double(si) * bw
                let yTop = c.py(ya.frac(base + v)), yBase = c.py(ya.frac(base))
                let h = max(yBase - yTop, 0.8)
                c.out += "<rect class=\"data\" x=\"\(f(x))\" y=\"\(f(yBase - h))\" width=\"\(f(max(bw, 0.6)))\" height=\"\(f(h))\" fill=\"\(color(si))\"><title>\(escape(categories[i])): \(escape(ser.name)) \(label(v))</title></rect>"
            }
            c.out += "</g>\n"
        }
        c.legend(series.enumerated().map { ($1.name, color($0), nil, true) })
        return c.finish()
    }

    /// The frame of a chart that has nothing to draw, saying why (so a missing chart is
    /// never silently omitted).
    public static func empty(title: String, xLabel: String, yLabel: String, legend: [String], reason: String,
                             swatch: Bool = false, width: Int = 1160, height: Int = 420) -> String {
        var c = Canvas(title: title, legendNames: legend, width: width, height: height)
        let a = Axis([], includeZero: true, fixed: (0, 1))
        c.yAxis(a, label: yLabel)
        c.xAxis(a, label: xLabel)
        c.frame()
        c.note(reason, cls: "nodata")
        c.legend(legend.enumerated().map { ($1, color($0), nil, swatch) }, muted: true)
        return c.finish()
    }
}
