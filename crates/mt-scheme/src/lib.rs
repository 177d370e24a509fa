//! `mt-scheme` owns the small Scheme subset that Megatest configs (`#{scheme ...}`) and
//! logpro rule files are written in: the reader (with regex literals), a compiler to an
//! expression tree, a tail-calling evaluator with a depth limit, the standard procedures
//! the corpora use (Chicken 4 semantics), and the host-state-free Megatest builtins.
//! Hosts add their own procedures with [`Interp::define_native`]. Anything outside the
//! subset is an error naming the source and line, never a silent empty value.

mod builtins;
mod error;
mod expr;
mod interp;
mod megatest;
mod reader;
mod strings;
mod value;

pub use error::{ErrorKind, Result, SchemeError};
pub use interp::{Interp, DEFAULT_MAX_DEPTH};
pub use megatest::{host_name, nice_path};
pub use reader::{parse_number, read_all, Datum, DatumKind};
pub use value::{
    equal, eqv, format_float, to_display_string, to_write_string, CallSite, Closure, HostFn,
    HostFnAt, Pair, Primitive, SRegex, Value,
};
