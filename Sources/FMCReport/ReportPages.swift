// Pages for people next to a report: report.md, report.html and csv/, rendered from a
// report.json file (any fmc-report/1 file, old or new) or from a paper sweep's CSVs. Every
// file is written atomically, so a reader never sees half a page.

import FMCCore
import Foundation

public enum PageFormat: String, CaseIterable, Sendable {
    case md, html, csv, all
}

public enum ReportPages {
    /// What `fmc report` was pointed at.
    public enum Source: Equatable, Sendable {
        /// A replay's report.json, and the folder the pages go to.
        case replay(file: String, folder: String)
        /// A paper sweep's folder (rules.csv and long-distance.csv).
        case sweep(folder: String)
    }

    public static func locate(_ run: String) throws -> Source {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: run, isDirectory: &isDir) else {
            throw InputError(file: run, place: .whole, message: "no such file or folder")
        }
        if !isDir.boolValue {
            let folder = (run as NSString).deletingLastPathComponent
            return .replay(file: run, folder: folder.isEmpty ? "." : folder)
        }
        let json = run + "/report.json"
        if FileManager.default.fileExists(atPath: json) { return .replay(file: json, folder: run) }
        if FileManager.default.fileExists(atPath: run + "/" + PaperSweepData.files.0),
           FileManager.default.fileExists(atPath: run + "/" + PaperSweepData.files.1) {
            return .sweep(folder: run)
        }
        throw InputError(file: run, place: .whole,
                         message: "neither a replay folder (no report.json) nor a paper sweep (no rules.csv and long-distance.csv)")
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, place: .whole, message: "cannot read")
        }
        return [UInt8](d)
    }

    /// Reads and checks a report.json.
    public static func load(_ path: String) throws -> JSON {
        let r: JSON
        do { r = try JSON.parse(read(path)) } catch let e as JSONParseError {
            throw InputError(file: path, place: .byte(Int64(e.offset)), message: "not JSON: \(e.message)")
        }
        guard let schema = r["schema"]?.string else {
            throw InputError(file: path, place: .whole, message: "not an fmc report (no \"schema\")")
        }
        guard schema.hasPrefix("fmc-report/") else {
            throw InputError(file: path, place: .key("schema", line: nil), message: "'\(schema)' is not an fmc report schema")
        }
        return r
    }

    static func wants(_ formats: Set<PageFormat>, _ f: PageFormat) -> Bool { formats.contains(.all) || formats.contains(f) }

    /// Writes the requested pages next to the report; returns the paths written.
    @discardableResult
    public static func write(run: String, formats: Set<PageFormat>) throws -> [String] {
        switch try locate(run) {
        case let .replay(file, folder): return try write(report: load(file), to: folder, formats: formats)
        case let .sweep(folder):
            let sweep = try PaperSweepData(rulesCSV: String(decoding: read(folder + "/" + PaperSweepData.files.0), as: UTF8.self),
                                           longDistanceCSV: String(decoding: read(folder + "/" + PaperSweepData.files.1), as: UTF8.self),
                                           folder: folder)
            var written: [String] = []
            if wants(formats, .md) { written.append(try put(sweep.markdown(), folder + "/report.md")) }
            if wants(formats, .html) { written.append(try put(sweep.html(), folder + "/report.html")) }
            // A sweep's series already are CSV files (rules.csv, long-distance.csv).
            return written
        }
    }

    @discardableResult
    public static func write(report: JSON, to folder: String, formats: Set<PageFormat>) throws -> [String] {
        var written: [String] = []
        if wants(formats, .md) { written.append(try put(MarkdownReport.render(report), folder + "/report.md")) }
        if wants(formats, .csv) {
            let dir = folder + "/csv"
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw InputError(file: dir, place: .whole, message: "cannot create the folder")
            }
            for (name, text) in CSVReport.files(report) { written.append(try put(text, dir + "/" + name)) }
        }
        if wants(formats, .html) { written.append(try put(HTMLReport.render(report), folder + "/report.html")) }
        return written
    }

    static func put(_ text: String, _ path: String) throws -> String {
        try AtomicFile.write(text, to: path)
        return path
    }
}
