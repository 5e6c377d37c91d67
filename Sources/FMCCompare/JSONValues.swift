// Reading report values for comparison. Parsing is FMCCore's `JSON.parse` (key order and
// integer vs decimal kept); these are the accessors the comparison reads with.

import FMCCore

extension JSON {
    public var stringValue: String? { string }
    public var boolValue: Bool? { bool }
    /// Integers and doubles as Double; nil for everything else (booleans included).
    public var numberValue: Double? { number }

    /// The object with `key` set to `value` (replaced in place, or appended).
    public func setting(_ key: String, _ value: JSON) -> JSON {
        guard case var .object(fields) = self else { return self }
        if let i = fields.firstIndex(where: { $0.0 == key }) { fields[i].1 = value } else { fields.append((key, value)) }
        return .object(fields)
    }
}
