import Foundation

/// A chart of counts over time as inline SVG: one line per series on a shared scale, the
/// largest value written at the top. The page's script redraws it from the live updates by
/// the same rule (`data-chart` names the chart, `data-series` each line).
struct LineChart {
    struct Series {
        /// The line's class and its name in the live updates.
        var name: String
        var values: [Int]
    }

    /// The chart's name in the live updates; nil for one that is drawn once.
    var name: String?
    var series: [Series]
    /// What the left and right ends of the time axis are called.
    var start: String
    var end: String
    var width = 600
    var height = 120

    var html: HTML {
        let top = max(1, series.flatMap(\.values).max() ?? 0)
        let lines = series.map { line -> HTML in
            "<polyline class=\"line \(line.name)\" data-series=\"\(line.name)\" points=\"\(Self.points(line.values, top: top, width: width, height: height))\"></polyline>"
        }
        return """
            <svg class="chart" viewBox="0 0 \(width) \(height + 16)" \(name.map { chart -> HTML in "data-chart=\"\(chart)\"" } ?? .empty) role="img" \
            aria-label="\(series.map(\.name).joined(separator: " and ")) from \(start) to \(end)">\
            <line class="axis" x1="0" y1="\(height)" x2="\(width)" y2="\(height)"></line>\(lines)\
            <text class="max" x="2" y="10" data-max>\(Figures.count(top))</text>\
            <text x="2" y="\(height + 14)">\(start)</text><text x="\(width - 2)" y="\(height + 14)" text-anchor="end">\(end)</text></svg>
            """
    }

    /// A sparkline: the lines alone, small, no labels.
    var sparkline: HTML {
        let top = max(1, series.flatMap(\.values).max() ?? 0)
        let lines = series.map { line -> HTML in
            "<polyline class=\"line \(line.name)\" points=\"\(Self.points(line.values, top: top, width: 120, height: 24))\"></polyline>"
        }
        return "<svg class=\"sparkline\" viewBox=\"0 0 120 24\" role=\"img\" aria-label=\"the last hour\">\(lines)</svg>"
    }

    /// The polyline's points: values spread evenly across the width, `top` at the top.
    static func points(_ values: [Int], top: Int, width: Int, height: Int) -> String {
        guard values.count > 1 else { return "" }
        let step = Double(width) / Double(values.count - 1)
        return values.enumerated().map { index, value in
            String(format: "%.1f,%.1f", Double(index) * step, Double(height) - Double(value) / Double(top) * Double(height - 2))
        }.joined(separator: " ")
    }
}
