//! The `zhiku` command: serve, ingest, ask, eval.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zhiku::engine::{Engine, Seed};
use zhiku::security::{Role, Security};
use zhiku::{Config, MerchantId, Question, eval};

#[derive(Parser)]
#[command(
    name = "zhiku",
    version,
    about = "知库: knowledge-graph RAG for e-commerce customer service"
)]
struct Cli {
    /// Data directory (oxigraph store, indexes); overrides ZHIKU_DATA_DIR.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (loads the demo data on first start).
    Serve {
        /// Listen address; overrides ZHIKU_LISTEN.
        #[arg(long)]
        listen: Option<String>,
        /// Do not load the seed data into an empty store.
        #[arg(long)]
        no_seed: bool,
    },
    /// (Re)load the ontology, the general layer and the demo merchants, and re-index.
    Ingest,
    /// Import knowledge files into a merchant's graph (validated with SHACL; all-or-nothing
    /// per file). Works on the data dir directly: stop `zhiku serve` first, or use HTTP.
    Import {
        /// Merchant id (created when new).
        #[arg(long)]
        merchant: MerchantId,
        /// `merge` (replace the values of the predicates each subject states) or `replace`
        /// (the file becomes the whole graph).
        #[arg(long, default_value = "merge")]
        mode: String,
        /// Format (turtle, ntriples, nquads, jsonld, rdfxml, csv, tsv); else by extension.
        #[arg(long)]
        format: Option<String>,
        /// The files, imported in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Ask one question.
    Ask {
        /// Merchant id.
        #[arg(long)]
        merchant: MerchantId,
        /// Answer as of this RFC 3339 time.
        #[arg(long)]
        now: Option<String>,
        /// Print the whole JSON response.
        #[arg(long)]
        json: bool,
        /// The question.
        question: String,
    },
    /// Issue, list and revoke API keys (works beside a running server).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Re-seal every sensitive value under the active SM4 key (after adding a key and
    /// making it `security.sm4_active`); stop `zhiku serve` first.
    Reseal,
    /// Verify or prune the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Score QA, intent and validation sets.
    Eval(EvalArgs),
    /// Write fresh validation cases (JSONL, to stdout) from merchants' facts.
    GenCases {
        /// A merchant already in the store; repeatable.
        #[arg(long)]
        merchant: Vec<MerchantId>,
        /// A merchant file imported (replacing) first, its id the file stem; repeatable.
        #[arg(long = "import")]
        imports: Vec<PathBuf>,
        /// The phrasings.
        #[arg(long, default_value = "eval/gen_templates.toml")]
        templates: PathBuf,
        /// The time of cases that do not pick their own (RFC 3339).
        #[arg(long, default_value = "2026-11-23T12:00:00+08:00")]
        now: String,
    },
}

/// `zhiku eval`: which sets, which halves, which extra merchants.
#[derive(clap::Args)]
struct EvalArgs {
    /// QA file (JSONL); repeatable.
    #[arg(long)]
    qa: Vec<PathBuf>,
    /// Intent file (TSV); repeatable.
    #[arg(long)]
    intents: Vec<PathBuf>,
    /// Validation file (JSONL); repeatable.
    #[arg(long)]
    validation: Vec<PathBuf>,
    /// A merchant file imported (replacing) before scoring, its id the file stem; repeatable.
    #[arg(long = "merchant")]
    merchants: Vec<PathBuf>,
    /// Halves to score: tune (rules may be fitted on it), measure (only measured), all.
    #[arg(long = "half", value_enum, default_values_t = [eval::Half::Tune, eval::Half::Measure])]
    halves: Vec<eval::Half>,
    /// The time of cases without their own `now` (RFC 3339); default: the wall clock.
    #[arg(long)]
    now: Option<String>,
    /// Print every miss.
    #[arg(long)]
    verbose: bool,
    /// Also print the rows as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Issue a key; it is printed once and stored only as a hash.
    Create {
        /// chatbot, merchant, editor or admin.
        #[arg(long)]
        role: String,
        /// A merchant the key may touch (chatbot and merchant keys; repeatable).
        #[arg(long = "merchant")]
        merchants: Vec<MerchantId>,
        /// Who the key is for.
        #[arg(long)]
        note: Option<String>,
    },
    /// List keys (ids, roles, merchants, revoked or not; never the keys).
    List,
    /// Revoke a key by id (`k_…`).
    Revoke {
        /// The key id.
        id: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit 1 when a record was edited, inserted or deleted.
    Verify,
    /// Drop records past the retention (`security.audit_retention_days`) behind a checkpoint.
    Prune,
}

fn keys_command(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    let security = Security::open(&config.data_dir, config)?;
    match command {
        KeysCommand::Create { role, merchants, note } => {
            let r =
                Role::parse(&role).with_context(|| format!("--role {role}: use chatbot, merchant, editor or admin"))?;
            let (record, key) = security.keys.create(r, &merchants, note)?;
            security.audit.append_operator(
                "key.create",
                &record.id,
                "ok",
                Some(format!("role {r}, merchants {:?}", record.merchants)),
            )?;
            println!("{key}");
            eprintln!("created {} ({r}); the key above is shown only once", record.id);
        }
        KeysCommand::List => {
            for k in security.keys.list()? {
                println!(
                    "{}  {:<8}  {:<24}  created {}{}{}",
                    k.id,
                    k.role.name(),
                    k.merchants.join(","),
                    k.created,
                    k.revoked.map(|t| format!("  REVOKED {t}")).unwrap_or_default(),
                    k.note.map(|n| format!("  ({n})")).unwrap_or_default()
                );
            }
        }
        KeysCommand::Revoke { id } => match security.keys.revoke(&id)? {
            Some(_) => {
                security.audit.append_operator("key.revoke", &id, "ok", None)?;
                eprintln!("revoked {id}");
            }
            None => {
                security
                    .audit
                    .append_operator("key.revoke", &id, "error", Some("no such key".into()))?;
                anyhow::bail!("no key {id}");
            }
        },
    }
    Ok(())
}

fn audit_command(config: &Config, command: AuditCommand) -> anyhow::Result<()> {
    let security = Security::open(&config.data_dir, config)?;
    match command {
        AuditCommand::Verify => {
            let r = security.audit.verify()?;
            println!("{}", serde_json::to_string_pretty(&r)?);
            if let Some((line, why)) = r.broken {
                anyhow::bail!("{}: line {line}: {why}", security.audit.path().display());
            }
            eprintln!("audit chain holds: {} records", r.records);
        }
        AuditCommand::Prune => {
            let n = security.prune_audit(config.security.audit_retention_days)?;
            eprintln!(
                "pruned {n} records older than {} days",
                config.security.audit_retention_days
            );
        }
    }
    Ok(())
}

/// Imports one file with a progress bar (triples parsed, triples/s); prints the job.
fn import_file(
    engine: &Engine,
    merchant: &MerchantId,
    mode: zhiku::import::Mode,
    format: Option<&str>,
    file: &Path,
) -> anyhow::Result<()> {
    use zhiku::import::Format;
    let format = match format {
        Some(f) => Format::from_name(f).with_context(|| format!("--format {f}: use one of {}", Format::accepted()))?,
        None => {
            Format::from_path(file).with_context(|| format!("{}: unknown extension; pass --format", file.display()))?
        }
    };
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {human_pos} triples [{elapsed}] {per_sec}")
            .context("progress template")?,
    );
    bar.set_message(file.display().to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let name = file.display().to_string();
    let result = engine.import_file(merchant, file, &name, format, mode, &|n| bar.set_position(n as u64));
    bar.finish();
    match result {
        Ok(job) => {
            println!("{}", serde_json::to_string_pretty(&job)?);
            Ok(())
        }
        Err(zhiku::Error::Rejected(job)) => {
            println!("{}", serde_json::to_string_pretty(&job)?);
            anyhow::bail!("{}: rejected by SHACL validation; nothing was written", file.display())
        }
        Err(e) => Err(e.into()),
    }
}

/// Imports each file (replacing) as the merchant named by its file stem; the ids.
fn import_merchants(engine: &Engine, files: &[PathBuf]) -> anyhow::Result<Vec<MerchantId>> {
    let mut ids = Vec::new();
    for file in files {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let merchant =
            MerchantId::parse(&stem).with_context(|| format!("{}: the file stem is no merchant id", file.display()))?;
        let format =
            zhiku::import::Format::from_path(file).with_context(|| format!("{}: unknown extension", file.display()))?;
        let name = file.display().to_string();
        match engine.import_file(&merchant, file, &name, format, zhiku::import::Mode::Replace, &|_| ()) {
            Ok(job) => eprintln!("imported {merchant} from {name}: {:?}", job.status),
            Err(zhiku::Error::Rejected(job)) => {
                anyhow::bail!("{name}: rejected by SHACL validation: {}", serde_json::to_string(&job)?)
            }
            Err(e) => return Err(e.into()),
        }
        ids.push(merchant);
    }
    Ok(ids)
}

fn eval_command(config: Config, args: EvalArgs) -> anyhow::Result<()> {
    let engine = Engine::open(config, Seed::IfEmpty)?;
    import_merchants(&engine, &args.merchants)?;
    let now = match &args.now {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t).context("--now: not an RFC 3339 time")?,
        None => chrono::Local::now().fixed_offset(),
    };
    let sets = eval::Sets {
        qa: args.qa,
        intents: args.intents,
        validation: args.validation,
    };
    let rows = eval::run_sets(&engine, &sets, &args.halves, now)?;
    println!("{:<28} {:<8} {:>6}  score", "set", "half", "cases");
    for r in &rows {
        println!("{}", r.line());
        if args.verbose {
            r.misses().iter().for_each(|m| println!("  [{:?}] {m}", r.half));
        }
    }
    if args.json {
        println!("{}", serde_json::to_string(&rows)?);
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tantivy=warn,ort=warn,qdrant_edge=error".into()),
        )
        .with_writer(zhiku::security::mask::masked_stderr)
        .init();
    let cli = Cli::parse();
    let mut config = Config::load()?;
    if let Some(d) = cli.data_dir {
        config.data_dir = d;
    }
    match cli.command {
        Command::Serve { listen, no_seed } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            let listen = config.listen.clone();
            let engine = Arc::new(Engine::open(config, if no_seed { Seed::Never } else { Seed::IfEmpty })?);
            // (audit pruning runs in `api::serve`: at once, then daily)
            let security = engine.security();
            if engine.config().security.bootstrap_admin_key
                && let Some(path) = security.bootstrap_admin(&engine.config().data_dir)?
            {
                tracing::warn!(file = %path.display(), "no API key existed: created an admin key; read it from the file, then issue scoped keys with `zhiku keys create`");
            }
            tracing::info!(stats = %engine.stats()?, "ready");
            let rt = tokio::runtime::Runtime::new().context("tokio runtime")?;
            rt.block_on(zhiku::api::serve(engine, &listen))?;
        }
        Command::Keys { command } => keys_command(&config, command)?,
        Command::Reseal => {
            let engine = Engine::open(config, Seed::Never)?;
            let n = engine.reseal()?;
            engine
                .security()
                .audit
                .append_operator("reseal", "merchants", "ok", Some(format!("{n} values")))?;
            eprintln!("re-sealed {n} values");
        }
        Command::Audit { command } => audit_command(&config, command)?,
        Command::Ingest => {
            let engine = Engine::open(config, Seed::Always)?;
            engine.security().audit.append_operator("ingest", "seed", "ok", None)?;
            println!("{}", engine.stats()?);
        }
        Command::Import {
            merchant,
            mode,
            format,
            files,
        } => {
            let engine = Engine::open(config, Seed::IfEmpty)?;
            let mode = zhiku::import::Mode::parse(&mode).context("--mode: use merge or replace")?;
            for file in files {
                let r = import_file(&engine, &merchant, mode, format.as_deref(), &file);
                let outcome = if r.is_ok() { "ok" } else { "error" };
                engine.security().audit.append_operator(
                    "import",
                    &merchant,
                    outcome,
                    Some(file.display().to_string()),
                )?;
                r?;
            }
        }
        Command::Ask {
            merchant,
            now,
            json,
            question,
        } => {
            let engine = Engine::open(config, Seed::IfEmpty)?;
            let at = zhiku::api::clock(now.as_deref())?;
            let q = Question::new(merchant, &question, None, engine.config().limits.max_question_chars)?;
            let r = engine.answer(q, at)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!("{}", r.answer);
                println!(
                    "intent={} verdict={:?} handoff={} citations={:?}",
                    r.intent,
                    r.verdict.verdict,
                    r.handoff,
                    r.citations.iter().map(|c| c.id.as_str()).collect::<Vec<_>>()
                );
            }
        }
        Command::Eval(args) => eval_command(config, args)?,
        Command::GenCases {
            merchant,
            imports,
            templates,
            now,
        } => {
            let engine = Engine::open(config, Seed::IfEmpty)?;
            let mut merchants = merchant;
            merchants.extend(import_merchants(&engine, &imports)?);
            let templates = eval::generate::load_templates(&templates)?;
            let at = chrono::DateTime::parse_from_rfc3339(&now).context("--now: not an RFC 3339 time")?;
            for m in merchants {
                for case in eval::generate::generate(engine.facts(&m)?.as_ref(), &templates, at) {
                    println!("{}", serde_json::to_string(&case)?);
                }
            }
        }
    }
    Ok(())
}
