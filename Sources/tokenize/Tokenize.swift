import ArgumentParser
import CLISupport
import Core
import Foundation

@main
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize",
        abstract: "Show how a model's tokenizer splits text: ids and token strings per record.",
        discussion: """
        Needs only tokenizer.json (and tokenizer_config.json where present) in --model: no config.json \
        or weights. Input records are {"id","text"} or {"id","messages"} (messages rendered with \
        the model's chat template, or --template / --chat-template, as apply_chat_template(tokenize=True)). Output records are {"id","ids","tokens"}. \
        By default ids are what tokenizer(text) gives in transformers (with the post-processor's \
        special tokens, e.g. BOS); --no-special-tokens gives tokenizer(text, add_special_tokens=False).
        """)

    @Option(help: "A directory with tokenizer.json.") var model: String
    @Option(help: "JSONL records {\"id\",\"text\"} or {\"id\",\"messages\"} (.zst or .gz accepted).") var data: String?
    @Option(help: "One text to tokenize instead of --data.") var text: String?
    @Option(help: "JSONL to write (.zst compressed when the name ends in .zst); with --text, stdout when absent.") var out: String?
    @Flag(help: "Encode as tokenizer(text, add_special_tokens=False): no BOS or other template tokens.") var noSpecialTokens = false
    @OptionGroup var chat: TemplateFlags

    func validate() throws {
        guard (data == nil) != (text == nil) else {
            throw ValidationError("give exactly one of --data FILE or --text STRING")
        }
        if data != nil && out == nil {
            throw ValidationError("--data needs --out FILE")
        }
    }

    func run() throws {
        try runStage {
            let job = try TokenizeJob(modelDir: model, addSpecialTokens: !noSpecialTokens, chat: try chat.choice())
            if let text {
                let record = job.record(id: .string("text"), text: text)
                if let out {
                    try JSONLWriter.write(out, records: [record])
                    FileHandleStderr.write("wrote \(out): 1 record\n")
                } else {
                    print(record.serialized())
                }
                return
            }
            guard let data, let out else {
                return
            }
            let counts = try job.run(data: data, out: out)
            FileHandleStderr.write("wrote \(out): \(counts.records) records, \(counts.tokens) tokens\n")
        }
    }
}
