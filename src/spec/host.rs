//! Where the app is hosted: a host preset (the headers and routing a host applies by default),
//! the CDN in front, the host's own config files, and routing for hosts without such files
//! (`spa_fallback`, `redirects`, `base`). The spec only names and validates them; the fixture
//! server (`server::host`) reads the files and applies the behaviour.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::raw::{resolve_existing_file, RawAge, UrlPath};

/// A host whose default response headers and routing the fixture server copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HostPreset {
    /// nginx, Apache, S3: `ETag` and `Last-Modified`, no `Cache-Control` (the default).
    Static,
    /// A minimal dev server: no validators, no `Cache-Control`.
    Bare,
    /// Netlify: `_headers` and `_redirects` in the build apply.
    Netlify,
    /// Vercel: the spec's `host.config` names `vercel.json`.
    Vercel,
    /// Cloudflare Pages: `_headers` and `_redirects` in the build apply.
    CloudflarePages,
    /// Firebase Hosting: the spec's `host.config` names `firebase.json`.
    Firebase,
    /// GitHub Pages.
    GithubPages,
}

impl HostPreset {
    /// The name as the spec writes it.
    pub fn name(self) -> &'static str {
        match self {
            HostPreset::Static => "static",
            HostPreset::Bare => "bare",
            HostPreset::Netlify => "netlify",
            HostPreset::Vercel => "vercel",
            HostPreset::CloudflarePages => "cloudflare-pages",
            HostPreset::Firebase => "firebase",
            HostPreset::GithubPages => "github-pages",
        }
    }

    /// The config file this host reads from beside the build (named by `host.config`).
    pub fn config_file_name(self) -> Option<&'static str> {
        match self {
            HostPreset::Firebase => Some("firebase.json"),
            HostPreset::Vercel => Some("vercel.json"),
            _ => None,
        }
    }

    /// Whether this host reads `_headers` and `_redirects` from the build directory.
    pub fn reads_build_files(self) -> bool {
        matches!(self, HostPreset::Netlify | HostPreset::CloudflarePages)
    }
}

/// The CDN in front of the host: what a shared cache does with a response that carries no
/// `Cache-Control`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cdn {
    /// No CDN (`sw-script-fresh` still models a cache that honours `Cache-Control` only).
    None,
    /// Amazon CloudFront.
    Cloudfront,
    /// Cloudflare's CDN.
    Cloudflare,
    /// Fastly.
    Fastly,
    /// A CDN that keeps responses without `Cache-Control` this long.
    DefaultTtl(Duration),
}

impl fmt::Display for Cdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cdn::None => f.write_str("none"),
            Cdn::Cloudfront => f.write_str("cloudfront"),
            Cdn::Cloudflare => f.write_str("cloudflare"),
            Cdn::Fastly => f.write_str("fastly"),
            Cdn::DefaultTtl(d) => write!(f, "a CDN with default TTL {}", super::format_age(*d)),
        }
    }
}

/// A host config file for one deploy (or all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostConfigFile {
    /// Only for this deploy (every deploy when `None`).
    pub deploy: Option<String>,
    /// The file, resolved against the spec's directory.
    pub path: PathBuf,
}

/// Where and how the app is hosted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// The host's defaults.
    pub preset: HostPreset,
    /// The CDN in front.
    pub cdn: Cdn,
    /// `firebase.json` / `vercel.json` per deploy.
    pub config: Vec<HostConfigFile>,
}

impl Default for Host {
    fn default() -> Self {
        Host {
            preset: HostPreset::Static,
            cdn: Cdn::None,
            config: Vec::new(),
        }
    }
}

impl Host {
    /// The config file that applies to `deploy`, if any.
    pub fn config_for(&self, deploy: &str) -> Option<&HostConfigFile> {
        self.config
            .iter()
            .find(|c| c.deploy.as_deref() == Some(deploy))
            .or_else(|| self.config.iter().find(|c| c.deploy.is_none()))
    }
}

/// Routing for hosts without config files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// The path prefix the app is served under, with both slashes (`/` when none).
    pub base: String,
    /// What unknown paths answer.
    pub spa_fallback: Option<SpaFallback>,
    /// Redirects, in spec order.
    pub redirects: Vec<Redirect>,
}

impl Default for Routing {
    fn default() -> Self {
        Routing {
            base: "/".into(),
            spa_fallback: None,
            redirects: Vec::new(),
        }
    }
}

impl Routing {
    /// `url_path` relative to the base (`/app/x` → `/x`), or `None` outside it.
    pub fn strip_base<'a>(&self, url_path: &'a str) -> Option<Cow<'a, str>> {
        if self.base == "/" {
            return Some(Cow::Borrowed(url_path));
        }
        let trimmed = self.base.trim_end_matches('/');
        let rest = url_path.strip_prefix(trimmed)?;
        if rest.is_empty() {
            Some(Cow::Borrowed("/"))
        } else if rest.starts_with(['/', '?', '#']) {
            Some(Cow::Owned(if rest.starts_with('/') {
                rest.to_string()
            } else {
                format!("/{rest}")
            }))
        } else {
            None
        }
    }
}

/// `spa_fallback: /index.html`, or `{ to: /index.html, html_only: true }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaFallback {
    /// The file unknown paths answer with (status 200).
    pub to: String,
    /// Only requests that accept HTML (navigations) get the fallback; others 404. Off by
    /// default: nginx's `try_files $uri /index.html`, Netlify's `/* /index.html 200` and
    /// Firebase's `** → /index.html` answer every unknown path, `ngsw.json` included.
    pub html_only: bool,
}

/// One spec-level redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The URL path, or a prefix ending in `*` (the rest is `:splat` in `to`).
    pub from: String,
    /// Where to: a path or URL; `:splat` is replaced by what `*` matched.
    pub to: String,
    /// 301, 302, 303, 307 or 308.
    pub status: u16,
    /// Only while this deploy is served (every deploy when `None`).
    pub deploy: Option<String>,
    /// 1-based line of the entry in the spec.
    pub line: usize,
}

// ---- raw (YAML) forms ----

/// `host: netlify` or `host: { preset, cdn, config }`.
#[derive(Debug)]
pub(super) struct RawHost {
    pub(super) preset: HostPreset,
    pub(super) cdn: Cdn,
    pub(super) config: Vec<HostConfigFile>,
}

impl<'de> Deserialize<'de> for RawHost {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            #[serde(default = "static_preset")]
            preset: HostPreset,
            cdn: Option<RawCdn>,
            config: Option<RawConfig>,
        }
        fn static_preset() -> HostPreset {
            HostPreset::Static
        }
        struct HostVisitor;
        impl<'de> Visitor<'de> for HostVisitor {
            type Value = RawHost;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a host preset (`static`, `bare`, `netlify`, `vercel`, `cloudflare-pages`, `firebase`, `github-pages`) or a mapping with `preset`, `cdn`, `config`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawHost, E> {
                let preset = HostPreset::deserialize(de::value::StrDeserializer::<E>::new(v))?;
                Ok(RawHost {
                    preset,
                    cdn: Cdn::None,
                    config: Vec::new(),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawHost, A::Error> {
                let full = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let config = full.config.map(|c| c.0).unwrap_or_default();
                if !config.is_empty() && full.preset.config_file_name().is_none() {
                    let hint = if full.preset.reads_build_files() {
                        format!(
                            "`{}` reads `_headers` and `_redirects` from each deploy's build directory; drop `config`",
                            full.preset.name()
                        )
                    } else {
                        "set `preset: firebase` (firebase.json) or `preset: vercel` (vercel.json)"
                            .to_string()
                    };
                    return Err(de::Error::custom(format!(
                        "`config` names a host config file, which host `{}` does not read: {hint}",
                        full.preset.name()
                    )));
                }
                Ok(RawHost {
                    preset: full.preset,
                    cdn: full.cdn.map_or(Cdn::None, |c| c.0),
                    config,
                })
            }
        }
        d.deserialize_any(HostVisitor)
    }
}

impl JsonSchema for RawHost {
    fn schema_name() -> Cow<'static, str> {
        "Host".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let preset = generator.subschema_for::<HostPreset>();
        json_schema!({
            "description": "Where the app is hosted: a preset name, or a mapping with `preset`, `cdn` and `config`.",
            "anyOf": [
                preset,
                {
                    "type": "object",
                    "properties": {
                        "preset": preset,
                        "cdn": {
                            "description": "The CDN in front: `none`, `cloudfront`, `cloudflare`, `fastly`, or `{ default_ttl: AGE }`.",
                            "anyOf": [
                                { "enum": ["none", "cloudfront", "cloudflare", "fastly"] },
                                {
                                    "type": "object",
                                    "properties": { "default_ttl": { "type": "string", "pattern": "^[0-9]+[smhdw]$" } },
                                    "required": ["default_ttl"],
                                    "additionalProperties": false,
                                },
                            ],
                        },
                        "config": {
                            "description": "`firebase.json` or `vercel.json` (relative to the spec): one path for every deploy, or a mapping of deploy name to path.",
                            "anyOf": [
                                { "type": "string", "minLength": 1 },
                                { "type": "object", "additionalProperties": { "type": "string" } },
                            ],
                        },
                    },
                    "additionalProperties": false,
                },
            ],
        })
    }
}

struct RawCdn(Cdn);

impl<'de> Deserialize<'de> for RawCdn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct CdnVisitor;
        impl<'de> Visitor<'de> for CdnVisitor {
            type Value = RawCdn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "`none`, `cloudfront`, `cloudflare`, `fastly` or `{ default_ttl: AGE }`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawCdn, E> {
                Ok(RawCdn(match v {
                    "none" => Cdn::None,
                    "cloudfront" => Cdn::Cloudfront,
                    "cloudflare" => Cdn::Cloudflare,
                    "fastly" => Cdn::Fastly,
                    other => {
                        return Err(E::unknown_variant(
                            other,
                            &["none", "cloudfront", "cloudflare", "fastly", "default_ttl"],
                        ))
                    }
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawCdn, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Ttl {
                    default_ttl: RawAge,
                }
                let t = Ttl::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawCdn(Cdn::DefaultTtl(t.default_ttl.0)))
            }
        }
        d.deserialize_any(CdnVisitor)
    }
}

/// One path for every deploy, or deploy → path.
struct RawConfig(Vec<HostConfigFile>);

impl<'de> Deserialize<'de> for RawConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ConfigVisitor;
        impl<'de> Visitor<'de> for ConfigVisitor {
            type Value = RawConfig;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a path to the host's config file, or a mapping of deploy name to path")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawConfig, E> {
                Ok(RawConfig(vec![HostConfigFile {
                    deploy: None,
                    path: resolve_existing_file(v).map_err(E::custom)?,
                }]))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawConfig, A::Error> {
                let mut out = Vec::new();
                while let Some(deploy) = map.next_key::<String>()? {
                    let path: ExistingFile = map.next_value()?;
                    out.push(HostConfigFile {
                        deploy: Some(deploy),
                        path: path.0,
                    });
                }
                Ok(RawConfig(out))
            }
        }
        d.deserialize_any(ConfigVisitor)
    }
}

struct ExistingFile(PathBuf);

impl<'de> Deserialize<'de> for ExistingFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::raw::validated_str(d, "a path to a file", |raw| {
            resolve_existing_file(raw).map(ExistingFile)
        })
    }
}

/// `spa_fallback: /index.html` or `{ to, html_only }`.
#[derive(Debug)]
pub(super) struct RawSpaFallback(pub(super) SpaFallback);

impl<'de> Deserialize<'de> for RawSpaFallback {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            to: UrlPath,
            #[serde(default)]
            html_only: bool,
        }
        struct FallbackVisitor;
        impl<'de> Visitor<'de> for FallbackVisitor {
            type Value = RawSpaFallback;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a URL path such as `/index.html`, or `{ to: /index.html, html_only: true }`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSpaFallback, E> {
                let to = UrlPath::deserialize(de::value::StrDeserializer::<E>::new(v))?;
                Ok(RawSpaFallback(SpaFallback {
                    to: to.0,
                    html_only: false,
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawSpaFallback, A::Error> {
                let full = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawSpaFallback(SpaFallback {
                    to: full.to.0,
                    html_only: full.html_only,
                }))
            }
        }
        d.deserialize_any(FallbackVisitor)
    }
}

impl JsonSchema for RawSpaFallback {
    fn schema_name() -> Cow<'static, str> {
        "SpaFallback".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The file unknown paths answer with (200), e.g. `/index.html`; `{ to, html_only: true }` limits it to requests that accept HTML.",
            "anyOf": [
                { "type": "string", "pattern": "^/" },
                {
                    "type": "object",
                    "properties": {
                        "to": { "type": "string", "pattern": "^/" },
                        "html_only": { "type": "boolean" },
                    },
                    "required": ["to"],
                    "additionalProperties": false,
                },
            ],
        })
    }
}

/// `- { from: /old, to: /new, status: 301, deploy: v2 }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Redirect")]
pub(super) struct RawRedirect {
    /// A URL path, or a prefix ending in `*` (e.g. `/old/*`).
    pub(super) from: RedirectFrom,
    /// Where to: a path or an absolute URL; `:splat` takes what `*` matched.
    pub(super) to: String,
    /// 301 (default), 302, 303, 307 or 308.
    #[serde(default = "default_status")]
    pub(super) status: RedirectStatus,
    /// Only while this deploy is served (default: every deploy).
    pub(super) deploy: Option<String>,
}

fn default_status() -> RedirectStatus {
    RedirectStatus(301)
}

/// A redirect source: `/path` or `/prefix/*`.
#[derive(Debug, JsonSchema)]
#[schemars(transparent)]
pub(super) struct RedirectFrom(pub(super) String);

impl<'de> Deserialize<'de> for RedirectFrom {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::raw::validated_str(d, "a URL path such as `/old` or `/old/*`", |raw| {
            if !raw.starts_with('/') || raw.contains(char::is_whitespace) {
                return Err(format!(
                    "expected a URL path starting with `/`, found `{raw}`"
                ));
            }
            if raw.trim_end_matches('*').contains('*') {
                return Err(format!(
                    "`*` may only end the path (`/old/*`), found `{raw}`"
                ));
            }
            Ok(RedirectFrom(raw.to_string()))
        })
    }
}

/// A redirect status.
#[derive(Debug, JsonSchema)]
#[schemars(transparent)]
pub(super) struct RedirectStatus(pub(super) u16);

impl<'de> Deserialize<'de> for RedirectStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let status = u16::deserialize(d)?;
        if [301, 302, 303, 307, 308].contains(&status) {
            Ok(RedirectStatus(status))
        } else {
            Err(de::Error::custom(format!(
                "redirect status {status} is not a redirect: use 301, 302, 303, 307 or 308 (for an SPA rewrite use `spa_fallback`)"
            )))
        }
    }
}

/// Checks a base path (`/app/`): a leading and a trailing slash.
pub(super) fn check_base(raw: &str) -> Result<String, String> {
    if !raw.starts_with('/') || raw.contains(char::is_whitespace) || raw.contains(['?', '#', '*']) {
        return Err(format!(
            "`base` must be a URL path such as `/app/`, found `{raw}`"
        ));
    }
    Ok(if raw.ends_with('/') {
        raw.to_string()
    } else {
        format!("{raw}/")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_base_path() {
        let r = Routing {
            base: "/app/".into(),
            ..Routing::default()
        };
        assert_eq!(r.strip_base("/app/").as_deref(), Some("/"));
        assert_eq!(r.strip_base("/app").as_deref(), Some("/"));
        assert_eq!(r.strip_base("/app/sw.js").as_deref(), Some("/sw.js"));
        assert_eq!(r.strip_base("/apple"), None);
        assert_eq!(r.strip_base("/"), None);
        assert_eq!(Routing::default().strip_base("/x").as_deref(), Some("/x"));
        assert_eq!(check_base("/app").unwrap(), "/app/");
        assert!(check_base("app").is_err());
    }
}

/// `base: /app/`, validated when read.
#[derive(Debug, JsonSchema)]
#[schemars(transparent)]
pub(super) struct RawBase(pub(super) String);

impl<'de> Deserialize<'de> for RawBase {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::raw::validated_str(d, "a URL path prefix such as `/app/`", |raw| {
            check_base(raw).map(RawBase)
        })
    }
}
