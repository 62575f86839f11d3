import ArgumentParser
import Core
import Foundation

/// `--model DIR`, shared by every stage that reads a model directory.
public struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A Hugging Face model directory (config.json, *.safetensors, tokenizer.json).")
    public var model: String
    public init() {}
}

/// Runs a stage body and turns a PrefkitError into a one-line message and exit code 1,
/// instead of a stack trace: bad input is the user's to fix, not a crash.
///
/// Under an MPI launcher the job's ranks start here (Ranks.start), before any work. A rank
/// that fails says which rank it is and why, then aborts the whole job (MPI_Abort): the other
/// ranks may be waiting for it in a collective and would otherwise wait forever; mpirun then
/// exits non-zero. Outputs are written by rank 0 at the very end under temporary names, so an
/// aborted job leaves none.
public func runStage(_ body: () throws -> Void) throws {
    let ranks: Ranks
    do { ranks = try Ranks.start() } catch let e as PrefkitError {
        FileHandle.standardError.write(Data("error: \(e.message)\n".utf8))
        throw ExitCode(1)
    }
    do { try body() } catch {
        let message = (error as? PrefkitError)?.message ?? "\(error)"
        if ranks.isDistributed {
            FileHandle.standardError.write(Data("error (rank \(ranks.rank) of \(ranks.size)): \(message); stopping all ranks\n".utf8))
            ranks.abort(1)
        }
        guard error is PrefkitError else { throw error }
        FileHandleStderr.write("error: \(message)\n")
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
