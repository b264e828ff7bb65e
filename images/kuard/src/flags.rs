//! Command-line flags, parsed with the rules of Go's pflag that kuard uses: `--name=value`
//! and `--name value` for valued flags; booleans as `--name` or `--name=true|false`; `--`
//! ends the flags; an unknown flag is an error.
//!
//! Owns parsing into [`Config`]; it must not act on the flags.

use std::fmt;

/// What kuard should do, from its command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address the HTTP server listens on (kuard's `--address`, default `:8080`).
    pub address: String,
    pub keygen: KeygenConfig,
}

/// The keygen workload's flags (kuard's `keygen.Config`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeygenConfig {
    pub enable: bool,
    /// Keys to generate; 0 (or negative, as in kuard) means no limit.
    pub num_to_gen: i64,
    /// Seconds to run; 0 (or negative) means no limit.
    pub time_to_run: i64,
    pub exit_on_complete: bool,
    pub exit_code: i32,
    /// Base URL of a MemQ server (`http://queue:8080/memq/server`); when set, work items come
    /// from the queue and the count and time limits are ignored, as in kuard.
    pub memq_server: String,
    pub memq_queue: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            address: ":8080".to_string(),
            keygen: KeygenConfig::default(),
        }
    }
}

/// The outcome of a successful parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Run(Config),
    Help,
}

/// Why a command line was rejected; the messages follow pflag's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagError {
    Unknown(String),
    MissingValue(String),
    InvalidValue {
        flag: String,
        value: String,
        reason: &'static str,
    },
}

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlagError::Unknown(arg) => write!(f, "unknown flag: {arg}"),
            FlagError::MissingValue(flag) => write!(f, "flag needs an argument: --{flag}"),
            FlagError::InvalidValue {
                flag,
                value,
                reason,
            } => write!(
                f,
                "invalid argument {value:?} for \"--{flag}\" flag: {reason}"
            ),
        }
    }
}

impl std::error::Error for FlagError {}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Int,
    Str,
}

/// Every flag accepted, with its kind and help. The `debug*` flags exist in kuard and are
/// accepted (and ignored) so that kuard command lines keep working.
const FLAGS: &[(&str, Kind, &str)] = &[
    (
        "address",
        Kind::Str,
        "The address to serve on (default \":8080\")",
    ),
    (
        "debug",
        Kind::Bool,
        "Debug/devel mode (accepted, no effect)",
    ),
    (
        "debug-sitedata-dir",
        Kind::Str,
        "Accepted for kuard compatibility, no effect",
    ),
    ("keygen-enable", Kind::Bool, "Enable KeyGen workload"),
    (
        "keygen-enabled",
        Kind::Bool,
        "Alias of --keygen-enable (older kuard)",
    ),
    (
        "keygen-exit-code",
        Kind::Int,
        "Exit code when workload complete",
    ),
    (
        "keygen-exit-on-complete",
        Kind::Bool,
        "Exit after workload is complete",
    ),
    (
        "keygen-memq-queue",
        Kind::Str,
        "The MemQ server queue to use. If MemQ is used, other limits are ignored.",
    ),
    (
        "keygen-memq-server",
        Kind::Str,
        "The MemQ server to draw work items from.  If MemQ is used, other limits are ignored.",
    ),
    (
        "keygen-num-to-gen",
        Kind::Int,
        "The number of keys to generate. Set to 0 for infinite",
    ),
    (
        "keygen-time-to-run",
        Kind::Int,
        "The target run time in seconds. Set to 0 for infinite",
    ),
];

/// Usage text for `--help` and flag errors.
pub fn usage() -> String {
    let mut out = String::from("Usage of kuard:\n");
    for (name, kind, help) in FLAGS {
        let arg = match kind {
            Kind::Bool => "",
            Kind::Int => " int",
            Kind::Str => " string",
        };
        out.push_str(&format!("      --{name}{arg}\n          {help}\n"));
    }
    out
}

/// Parses the arguments after the program name.
pub fn parse<I>(args: I) -> Result<Parsed, FlagError>
where
    I: IntoIterator,
    I::Item: Into<String>,
{
    let mut config = Config::default();
    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        if arg == "--" {
            break; // Everything after is positional; kuard ignores positionals.
        }
        if arg == "-h" || arg == "--help" {
            return Ok(Parsed::Help);
        }
        let Some(spec) = arg.strip_prefix("--") else {
            if arg.starts_with('-') && arg.len() > 1 {
                return Err(FlagError::Unknown(arg));
            }
            continue; // Positional argument: ignored, as pflag leaves it to the program.
        };
        let (name, inline_value) = match spec.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (spec.to_string(), None),
        };
        let Some((_, kind, _)) = FLAGS.iter().find(|(n, _, _)| *n == name) else {
            return Err(FlagError::Unknown(format!("--{name}")));
        };
        let value = match (kind, inline_value) {
            (_, Some(v)) => v,
            (Kind::Bool, None) => "true".to_string(),
            (_, None) => args
                .next()
                .ok_or_else(|| FlagError::MissingValue(name.clone()))?,
        };
        apply(&mut config, &name, *kind, value)?;
    }
    Ok(Parsed::Run(config))
}

fn apply(config: &mut Config, name: &str, kind: Kind, value: String) -> Result<(), FlagError> {
    let invalid = |reason| FlagError::InvalidValue {
        flag: name.to_string(),
        value: value.clone(),
        reason,
    };
    let k = &mut config.keygen;
    match kind {
        Kind::Bool => {
            let b = parse_bool(&value).ok_or_else(|| invalid("not a boolean"))?;
            match name {
                "keygen-enable" | "keygen-enabled" => k.enable = b,
                "keygen-exit-on-complete" => k.exit_on_complete = b,
                _ => {} // --debug: accepted, no effect.
            }
        }
        Kind::Int => {
            let n: i64 = value
                .trim()
                .parse()
                .map_err(|_| invalid("not an integer"))?;
            match name {
                "keygen-num-to-gen" => k.num_to_gen = n,
                "keygen-time-to-run" => k.time_to_run = n,
                "keygen-exit-code" => {
                    k.exit_code = i32::try_from(n).map_err(|_| invalid("out of range"))?
                }
                _ => {}
            }
        }
        Kind::Str => match name {
            "address" => config.address = value,
            "keygen-memq-server" => k.memq_server = value,
            "keygen-memq-queue" => k.memq_queue = value,
            _ => {} // --debug-sitedata-dir: accepted, no effect.
        },
    }
    Ok(())
}

/// The spellings Go's `strconv.ParseBool` accepts.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Config {
        match parse(args.iter().copied()) {
            Ok(Parsed::Run(c)) => c,
            other => panic!("expected a config for {args:?}, got {other:?}"),
        }
    }

    #[test]
    fn defaults_serve_on_8080_without_keygen() {
        let c = run(&[]);
        assert_eq!(c.address, ":8080");
        assert!(!c.keygen.enable);
        assert_eq!(c.keygen.num_to_gen, 0);
        assert_eq!(c.keygen.exit_code, 0);
    }

    #[test]
    fn book_oneshot_flags_with_equals() {
        let c = run(&[
            "--keygen-enable",
            "--keygen-exit-on-complete",
            "--keygen-exit-code=1",
            "--keygen-num-to-gen=3",
        ]);
        assert!(c.keygen.enable);
        assert!(c.keygen.exit_on_complete);
        assert_eq!(c.keygen.exit_code, 1);
        assert_eq!(c.keygen.num_to_gen, 3);
    }

    #[test]
    fn separate_values_match_equals_form() {
        let a = run(&[
            "--keygen-enable",
            "--keygen-num-to-gen",
            "10",
            "--keygen-time-to-run",
            "5",
            "--keygen-memq-server",
            "http://queue:8080/memq/server",
            "--keygen-memq-queue",
            "keygen",
            "--keygen-exit-code",
            "2",
        ]);
        let b = run(&[
            "--keygen-enable",
            "--keygen-num-to-gen=10",
            "--keygen-time-to-run=5",
            "--keygen-memq-server=http://queue:8080/memq/server",
            "--keygen-memq-queue=keygen",
            "--keygen-exit-code=2",
        ]);
        assert_eq!(a, b);
        assert_eq!(a.keygen.memq_server, "http://queue:8080/memq/server");
        assert_eq!(a.keygen.memq_queue, "keygen");
        assert_eq!(a.keygen.time_to_run, 5);
    }

    #[test]
    fn bool_flags_take_only_inline_values() {
        let c = run(&["--keygen-enable=false", "--keygen-exit-on-complete=1"]);
        assert!(!c.keygen.enable);
        assert!(c.keygen.exit_on_complete);
        // `--keygen-enable false`: the `false` is a positional, as in pflag.
        assert!(run(&["--keygen-enable", "false"]).keygen.enable);
        assert!(run(&["--keygen-enabled"]).keygen.enable);
    }

    #[test]
    fn value_containing_equals_is_kept_whole() {
        let c = run(&["--keygen-memq-server=http://q:1/x?a=b"]);
        assert_eq!(c.keygen.memq_server, "http://q:1/x?a=b");
    }

    #[test]
    fn double_dash_stops_parsing() {
        let c = run(&["--", "--keygen-enable"]);
        assert!(!c.keygen.enable);
    }

    #[test]
    fn help_is_recognised() {
        assert_eq!(parse(["--help"]), Ok(Parsed::Help));
        assert_eq!(parse(["-h"]), Ok(Parsed::Help));
        assert!(usage().contains("--keygen-num-to-gen int"));
    }

    #[test]
    fn errors_name_the_flag() {
        assert_eq!(
            parse(["--keygen-nope"]),
            Err(FlagError::Unknown("--keygen-nope".into()))
        );
        assert_eq!(parse(["-x"]), Err(FlagError::Unknown("-x".into())));
        assert_eq!(
            parse(["--keygen-num-to-gen"]),
            Err(FlagError::MissingValue("keygen-num-to-gen".into()))
        );
        let err = parse(["--keygen-num-to-gen=ten"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument \"ten\" for \"--keygen-num-to-gen\" flag: not an integer"
        );
        assert!(matches!(
            parse(["--keygen-exit-code=99999999999"]),
            Err(FlagError::InvalidValue { .. })
        ));
        assert!(matches!(
            parse(["--keygen-enable=maybe"]),
            Err(FlagError::InvalidValue { .. })
        ));
    }

    #[test]
    fn negative_limits_are_kept_for_kuard_semantics() {
        let c = run(&["--keygen-num-to-gen=-1", "--keygen-exit-code=-1"]);
        assert_eq!(c.keygen.num_to_gen, -1);
        assert_eq!(c.keygen.exit_code, -1);
    }
}
