// Line charts as self-contained SVG (no scripts, no fonts fetched): axes with units, ticks,
// a legend. Used for the paper figures and, later, the HTML report.

import Foundation

public struct ChartSeries: Sendable {
    public var name: String
    public var points: [(Double, Double)]
    public init(name: String, points: [(Double, Double)]) {
        self.name = name
        self.points = points
    }
}

public enum SVGChart {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    /// "Nice" tick values covering [lo, hi].
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        let span = max(hi - lo, 1e-9)
        let raw = span / Double(count)
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        var t = (lo / step).rounded(.down) * step
        var out: [Double] = []
        while t <= hi + step * 1e-9 { out.append(t); t += step }
        return out
    }

    static func label(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int64(v)) }
        return String(format: "%.3g", v)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    public static func line(title: String, xLabel: String, yLabel: String, series: [ChartSeries],
                            width: Int = 640, height: Int = 400) -> String {
        let left = 70.0, right = 20.0, top = 40.0, bottom = 60.0
        let w = Double(width) - left - right, h = Double(height) - top - bottom
        let xs = series.flatMap { $0.points.map(\.0) }, ys = series.flatMap { $0.points.map(\.1) }
        let xt = ticks(xs.min() ?? 0, xs.max() ?? 1)
        let yt = ticks(min(0, ys.min() ?? 0), max(ys.max() ?? 1, 1))
        let x0 = xt.first!, x1 = xt.last! > x0 ? xt.last! : x0 + 1
        let y0 = yt.first!, y1 = yt.last! > y0 ? yt.last! : y0 + 1
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * w }
        func py(_ y: Double) -> Double { top + h - (y - y0) / (y1 - y0) * h }
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
            <title>\(escape(title))</title>
            <rect width="\(width)" height="\(height)" fill="white"/>
            <text x="\(Double(width) / 2)" y="22" text-anchor="middle" font-size="15" font-weight="bold">\(escape(title))</text>

            """
        for t in yt {
            s += "<line x1=\"\(left)\" x2=\"\(left + w)\" y1=\"\(py(t))\" y2=\"\(py(t))\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(left - 6)\" y=\"\(py(t) + 4)\" text-anchor=\"end\">\(label(t))</text>\n"
        }
        for t in xt {
            s += "<line x1=\"\(px(t))\" x2=\"\(px(t))\" y1=\"\(top + h)\" y2=\"\(top + h + 5)\" stroke=\"#333\"/>"
            s += "<text x=\"\(px(t))\" y=\"\(top + h + 18)\" text-anchor=\"middle\">\(label(t))</text>\n"
        }
        s += "<line x1=\"\(left)\" x2=\"\(left + w)\" y1=\"\(top + h)\" y2=\"\(top + h)\" stroke=\"#333\"/>"
        s += "<line x1=\"\(left)\" x2=\"\(left)\" y1=\"\(top)\" y2=\"\(top + h)\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(left + w / 2)\" y=\"\(Double(height) - 18)\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        s += "<text transform=\"translate(18 \(top + h / 2)) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        for (i, ser) in series.enumerated() {
            let color = palette[i % palette.count]
            let pts = ser.points.map { "\(px($0.0)),\(py($0.1))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(pts)\"/>\n"
            for p in ser.points { s += "<circle cx=\"\(px(p.0))\" cy=\"\(py(p.1))\" r=\"2.5\" fill=\"\(color)\"/>" }
            let ly = top + 10 + Double(i) * 18
            s += "\n<rect x=\"\(left + 12)\" y=\"\(ly - 9)\" width=\"14\" height=\"4\" fill=\"\(color)\"/>"
            s += "<text x=\"\(left + 32)\" y=\"\(ly - 3)\">\(escape(ser.name))</text>\n"
        }
        s += "</svg>\n"
        return s
    }
}
