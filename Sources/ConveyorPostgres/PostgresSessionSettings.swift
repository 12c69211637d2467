/// The server settings that the client relies on: timestamps as ISO text, which the decoders
/// read, and string literals without backslash escapes, which the statements that embed
/// literals (COPY takes no parameters) write.
///
/// A connection asks for nothing at first, since a transaction pooler such as PgBouncer refuses
/// the startup `options` that would set them, and carries no session state from one client to the
/// next. The server reports both settings when a connection opens; only when one of them is
/// not as needed does the client open the connection again with `options` that set it.
struct PostgresSessionSettings: Equatable {
    /// The reported settings and the values the client needs.
    static let required: [(name: String, option: String, fits: @Sendable (String) -> Bool)] = [
        ("DateStyle", "-c DateStyle=ISO", { $0.hasPrefix("ISO") }),
        ("standard_conforming_strings", "-c standard_conforming_strings=on", { $0 == "on" }),
    ]

    /// The settings, by name, whose reported value does not fit, with that value; a setting
    /// not reported counts as not fitting.
    let unfit: [(name: String, value: String?)]

    init(reported: (String) -> String?) {
        self.unfit = Self.required.compactMap { setting in
            let value = reported(setting.name)
            return value.map(setting.fits) == true ? nil : (setting.name, value)
        }
    }

    var isFit: Bool { unfit.isEmpty }

    /// The startup `options` that set the unfit settings.
    var options: String {
        Self.required.filter { setting in unfit.contains { $0.name == setting.name } }.map(\.option).joined(separator: " ")
    }

    /// Says which settings do not fit and how to fix them on the server, for a connection that
    /// cannot take startup `options`.
    var advice: String {
        let settings = unfit.map { "\($0.name) is \($0.value.map { "'\($0)'" } ?? "not reported")" }.joined(separator: " and ")
        return "the server's \(settings); set them for the database (ALTER DATABASE … SET DateStyle = 'ISO, MDY', "
            + "SET standard_conforming_strings = on), as a pooler such as PgBouncer refuses the startup options that would set them"
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.unfit.map(\.name) == rhs.unfit.map(\.name) && lhs.unfit.map(\.value) == rhs.unfit.map(\.value)
    }
}
