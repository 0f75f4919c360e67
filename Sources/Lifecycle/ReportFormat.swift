/// The output formats of a leak report (`--format`).
package enum LeakReportFormat: String, Sendable, CaseIterable {
    case text, json, html
}

extension LeakReport {
    /// The report in one of its formats; `title` heads the HTML page (e.g. the capture's file name).
    package func render(_ format: LeakReportFormat, title: String = "Proxy lifecycles and leaks") -> String {
        switch format {
        case .text: text()
        case .json: json()
        case .html: html(title: title)
        }
    }
}
