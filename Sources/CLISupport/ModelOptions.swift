import ArgumentParser
import Core

/// `--model DIR`, shared by every stage that reads a model directory.
public struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A Hugging Face model directory (config.json, *.safetensors, tokenizer.json).")
    public var model: String
    public init() {}
}

/// Runs a stage body and turns a PrefkitError into a one-line message and exit code 1,
/// instead of a stack trace: bad input is the user's to fix, not a crash.
public func runStage(_ body: () throws -> Void) throws {
    do { try body() } catch let e as PrefkitError {
        FileHandleStderr.write("error: \(e.message)\n")
        throw ExitCode(1)
    }
}

/// Runs a Core check from an ArgumentParser `validate()`: a PrefkitError becomes a usage error,
/// so the rule is written once (in Core) and refused before any work starts.
public func validating(_ body: () throws -> Void) throws {
    do { try body() } catch let e as PrefkitError {
        throw ValidationError(e.message)
    }
}
