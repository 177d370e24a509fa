//! The command info handed from the runner to `megatest -execute` (and exported as
//! `MT_CMDINFO`). Producer and consumer are the same binary, so we use base64 of JSON
//! (the spec allows our own encoding, §4.3); `-show-cmdinfo` prints it as a Scheme list or
//! JSON.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CmdInfo {
    pub testpath: String,
    pub homehost: String,
    pub serverurl: Option<String>,
    pub areaname: String,
    pub toppath: String,
    #[serde(rename = "work-area")]
    pub work_area: String,
    #[serde(rename = "test-name")]
    pub test_name: String,
    pub runscript: Option<String>,
    #[serde(rename = "run-id")]
    pub run_id: i64,
    #[serde(rename = "test-id")]
    pub test_id: i64,
    pub itemdat: Vec<(String, String)>,
    pub megatest: String,
    pub ezsteps: bool,
    pub target: String,
    pub contour: Option<String>,
    pub runtlim: Option<u64>,
    #[serde(rename = "env-ovrd")]
    pub env_ovrd: Vec<(String, String)>,
    #[serde(rename = "set-vars")]
    pub set_vars: Option<String>,
    pub runname: String,
    #[serde(rename = "mt-bindir-path")]
    pub mt_bindir_path: String,
    /// Database file (ours: where the job reports; the original found it from toppath).
    #[serde(default)]
    pub dbpath: String,
    /// Link tree root.
    #[serde(default)]
    pub linktree: String,
    /// Item path.
    #[serde(default)]
    pub itempath: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CmdInfoError {
    #[error("MT_CMDINFO is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error("MT_CMDINFO does not hold valid command info: {0}")]
    Json(#[from] serde_json::Error),
}

impl CmdInfo {
    #[must_use]
    pub fn encode(&self) -> String {
        STANDARD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(s: &str) -> Result<CmdInfo, CmdInfoError> {
        let bytes = STANDARD.decode(s.trim())?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// The `-show-cmdinfo` default rendering: a Scheme association list.
    #[must_use]
    pub fn to_sexpr(&self) -> String {
        let v = serde_json::to_value(self).unwrap_or_default();
        let mut out = String::from("(");
        if let serde_json::Value::Object(map) = v {
            for (k, v) in map {
                out.push_str(&format!("({k} . {})", sexpr(&v)));
            }
        }
        out.push(')');
        out
    }
}

fn sexpr(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null | serde_json::Value::Bool(false) => "#f".into(),
        serde_json::Value::Bool(true) => "#t".into(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => format!("{s:?}"),
        serde_json::Value::Array(a) => {
            format!("({})", a.iter().map(sexpr).collect::<Vec<_>>().join(" "))
        }
        serde_json::Value::Object(_) => "#f".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let ci = CmdInfo {
            testpath: "/a/tests/t".into(),
            homehost: "h".into(),
            serverurl: None,
            areaname: "a".into(),
            toppath: "/a".into(),
            work_area: "/a/lt/x/r/t".into(),
            test_name: "t".into(),
            runscript: None,
            run_id: 1,
            test_id: 2,
            itemdat: vec![("A".into(), "1".into())],
            megatest: "/bin/megatest".into(),
            ezsteps: true,
            target: "x".into(),
            contour: None,
            runtlim: Some(3),
            env_ovrd: vec![],
            set_vars: None,
            runname: "r".into(),
            mt_bindir_path: "/bin".into(),
            dbpath: "/a/megatest.db".into(),
            linktree: "/a/lt".into(),
            itempath: "1".into(),
        };
        let enc = ci.encode();
        assert_eq!(CmdInfo::decode(&enc).unwrap(), ci);
        assert!(ci.to_sexpr().contains("(test-name . \"t\")"));
        assert!(CmdInfo::decode("!!!").is_err());
    }
}
