public import Foundation

/// What a catalogue format trims from the ends of a line. The formats do not agree on it, and
/// each keeps its own: which characters count, and whether a character is compared whole (a
/// `\r\n` pair is one character, neither `\r` nor `\n`) or one Unicode scalar at a time.
public enum CatalogueBlank: Sendable {
    /// The characters of the set, each compared whole.
    case characters(Set<Character>)
    /// The characters that are white space (`Character.isWhitespace`), each compared whole.
    case whitespace
    /// The Unicode scalars of the set, as Foundation trims them: a blank followed by a combining
    /// mark loses the blank and keeps the mark.
    case scalars(CharacterSet)

    /// `text` without the blanks at its start and end.
    public func trimming(_ text: Substring) -> Substring {
        switch self {
        case .characters(let set): trimming(text, where: set.contains)
        case .whitespace: trimming(text, where: \.isWhitespace)
        case .scalars(let set): Substring(text.trimmingCharacters(in: set))
        }
    }

    private func trimming(_ text: Substring, where isBlank: (Character) -> Bool) -> Substring {
        let start = text.firstIndex { !isBlank($0) } ?? text.endIndex
        let end = text[start...].lastIndex { !isBlank($0) }.map(text.index(after:)) ?? start
        return text[start..<end]
    }
}
