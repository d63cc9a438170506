//! The run loop: one Chromium, one scenario per (spec, check), bounded concurrency, per-scenario
//! timeouts, cancellation, results in a fixed order.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::watch;

use crate::browser::{BrowserError, BrowserSession, LaunchOptions};
use crate::checks::CheckConfig;
use crate::outcome::{Judgement, Verdict};
use crate::server::{DeploySet, FixtureServer};
use crate::spec::{CheckEntry, Spec};
use crate::timeline::{Timeline, TimelineEntry, TimelineEvent};

use crate::scenario::{Scenario, ScenarioError};

use super::error::RunError;
use super::event::{Event, RunSummary, ScenarioResult};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The Chromium binary.
    pub chromium: PathBuf,
    /// How to launch Chromium: extra flags, a kept profile, headful.
    pub launch: LaunchOptions,
    /// Scenarios run at once.
    pub jobs: usize,
    /// Bound for a whole scenario.
    pub scenario_timeout: Duration,
    /// Bound for each single wait inside a scenario (a CDP call, an update check).
    pub wait_timeout: Duration,
    /// Address fixture servers bind (default 127.0.0.1).
    pub bind: Option<IpAddr>,
    /// Drive the Chromium at this DevTools WebSocket URL instead of launching one.
    pub connect: Option<String>,
    /// Run only this share of the scenarios.
    pub partition: Option<Partition>,
}

/// `--partition K/N`: scenario `i` (in spec and check order, 0-based) runs in share
/// `i % N + 1`, so N machines split a suite without coordinating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// This share, 1-based.
    pub index: usize,
    /// How many shares.
    pub count: usize,
}

impl std::str::FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("expected K/N (e.g. 1/3), found `{s}`"))?;
        let index: usize = k
            .trim()
            .parse()
            .map_err(|_| format!("`{k}` is not a number in `{s}`"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a number in `{s}`"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("expected 1 <= K <= N, found `{s}`"));
        }
        Ok(Partition { index, count })
    }
}

impl Partition {
    /// Whether scenario `i` (0-based) belongs to this share.
    pub fn contains(&self, i: usize) -> bool {
        i % self.count + 1 == self.index
    }
}

/// Cancellation: the first interrupt sets it; running scenarios end as cancelled.
#[derive(Debug, Clone)]
pub struct Cancel(watch::Receiver<bool>);

impl Cancel {
    /// A cancel handle and the sender that triggers it.
    pub fn new() -> (watch::Sender<bool>, Cancel) {
        let (tx, rx) = watch::channel(false);
        (tx, Cancel(rx))
    }

    /// A handle that never fires (for tests).
    pub fn never() -> Cancel {
        let (tx, rx) = watch::channel(false);
        std::mem::forget(tx);
        Cancel(rx)
    }

    fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    async fn cancelled(&self) {
        let mut rx = self.0.clone();
        let _ = rx.wait_for(|c| *c).await;
    }
}

/// One scenario to run: the spec, its loaded deploys, the check.
type Job = (Arc<Spec>, Arc<DeploySet>, CheckEntry);

/// Runs every check of every spec and returns their results in spec and check order.
pub async fn run(
    specs: &[Spec],
    options: &RunOptions,
    cancel: Cancel,
    report: &mut dyn FnMut(Event<'_>),
) -> Result<RunSummary, RunError> {
    let started = Instant::now();
    let deploys: Vec<Arc<DeploySet>> = specs
        .iter()
        .map(|s| DeploySet::load(s).map(Arc::new))
        .collect::<Result<_, _>>()?;
    let browser = match &options.connect {
        Some(url) => BrowserSession::connect(url, options.wait_timeout).await?,
        None => {
            BrowserSession::launch(&options.chromium, &options.launch, options.wait_timeout).await?
        }
    };
    let chromium = match browser.version().await {
        Ok(v) => v,
        Err(e) => {
            browser.close().await;
            return Err(e.into());
        }
    };
    // Scenarios hold the session to open extra tabs; all of them end before `close`.
    let browser = Arc::new(browser);
    let specs: Vec<Arc<Spec>> = specs.iter().cloned().map(Arc::new).collect();
    let planned: Vec<(usize, Job)> = specs
        .iter()
        .zip(&deploys)
        .flat_map(|(spec, d)| {
            spec.checks
                .iter()
                .map(move |c| (spec.clone(), d.clone(), c.clone()))
        })
        .enumerate()
        .collect();
    let plan_len = planned.len();
    let (ordinals, jobs): (Vec<usize>, Vec<Job>) = planned
        .into_iter()
        .filter(|(i, _)| options.partition.is_none_or(|p| p.contains(*i)))
        .unzip();
    report(Event::RunStarted {
        scenarios: jobs.len(),
        chromium: &chromium,
    });
    // Longest first: a scenario that mostly waits (wait-until idles ~40 s) started last would
    // be the whole run's tail. Results are still reported and returned in spec order.
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(CheckConfig::of(&jobs[*i].2).expected_seconds()));
    let jobs: Vec<(usize, Job)> = {
        let mut slots: Vec<Option<_>> = jobs.into_iter().map(Some).collect();
        order
            .into_iter()
            .map(|i| (i, slots[i].take().expect("each index once")))
            .collect()
    };

    let (started_tx, mut started_rx) = tokio::sync::mpsc::unbounded_channel();
    let browser_ref = &browser;
    let cancel_ref = &cancel;
    let tx = started_tx.clone();
    let mut finished = futures::stream::iter(jobs)
        .map(move |(i, (spec, deploys, entry))| {
            let started_tx = tx.clone();
            async move {
                if cancel_ref.is_cancelled() {
                    return (
                        i,
                        cancelled_result(&spec, &entry, Duration::ZERO, Vec::new()),
                    );
                }
                let _ = started_tx.send((spec.name.clone(), entry.label.clone()));
                let result =
                    run_scenario(browser_ref, spec, deploys, &entry, options, cancel_ref).await;
                (i, result)
            }
        })
        .buffer_unordered(options.jobs.max(1));
    drop(started_tx);

    let mut results: Vec<(usize, ScenarioResult)> = Vec::new();
    loop {
        tokio::select! {
            biased;
            Some((spec, check)) = started_rx.recv() => {
                report(Event::ScenarioStarted { spec: &spec, check: &check });
            }
            next = finished.next() => match next {
                Some((i, result)) => {
                    while let Ok((spec, check)) = started_rx.try_recv() {
                        report(Event::ScenarioStarted { spec: &spec, check: &check });
                    }
                    report(Event::ScenarioFinished(&result));
                    results.push((i, result));
                }
                None => break,
            },
        }
    }
    drop(finished);
    match Arc::try_unwrap(browser) {
        Ok(browser) => browser.close().await,
        Err(_) => {
            tracing::warn!("a scenario still holds the browser session at the end of the run")
        }
    }

    results.sort_by_key(|(i, _)| *i);
    let summary = RunSummary {
        results: results
            .into_iter()
            .map(|(i, r)| ScenarioResult {
                ordinal: ordinals[i],
                ..r
            })
            .collect(),
        chromium,
        duration: started.elapsed(),
        interrupted: cancel.is_cancelled(),
        partition: options.partition,
        planned: plan_len,
        baseline: None,
    };
    report(Event::RunFinished(&summary));
    Ok(summary)
}

/// How a scenario's check ended.
enum Ended {
    Judged(Result<Judgement, ScenarioError>),
    TimedOut,
    Cancelled,
}

impl Ended {
    /// Whether the page is worth a screenshot: the check did not pass, and the run goes on.
    fn wants_screenshot(&self) -> bool {
        !matches!(
            self,
            Ended::Judged(Ok(Judgement::Pass(_))) | Ended::Cancelled
        )
    }
}

/// How long a failure screenshot may take: it illustrates a verdict already reached, so a
/// page too wedged to paint must not hold the scenario up for a whole wait bound.
const SCREENSHOT_BOUND: Duration = Duration::from_secs(5);

async fn run_scenario(
    browser: &Arc<BrowserSession>,
    spec: Arc<Spec>,
    deploys: Arc<DeploySet>,
    entry: &CheckEntry,
    options: &RunOptions,
    cancel: &Cancel,
) -> ScenarioResult {
    let started = Instant::now();
    let timeline = Arc::new(Timeline::default());
    let mut screenshot = None;
    // Setup and teardown stay outside the scenario timeout and cancellation, so the page, its
    // browser context and the server are closed on every path; each of their CDP calls is
    // bounded on its own.
    let ended = match open_scenario(browser, spec.clone(), deploys, entry, options, &timeline).await
    {
        Err(e) => Ended::Judged(Err(e)),
        Ok(mut scenario) => {
            let ended = tokio::select! {
                r = tokio::time::timeout(options.scenario_timeout, CheckConfig::of(entry).run(&mut scenario)) => {
                    r.map_or(Ended::TimedOut, Ended::Judged)
                }
                _ = cancel.cancelled() => Ended::Cancelled,
            };
            if ended.wants_screenshot() {
                screenshot = tokio::time::timeout(SCREENSHOT_BOUND, scenario.page().screenshot())
                    .await
                    .ok()
                    .and_then(Result::ok);
            }
            scenario.close().await;
            ended
        }
    };
    let (verdict, message) = match ended {
        Ended::Cancelled => {
            return cancelled_result(&spec, entry, started.elapsed(), finish(&timeline, None));
        }
        Ended::TimedOut => {
            let last = timeline
                .entries()
                .iter()
                .rev()
                .filter(|e| !matches!(e.event, TimelineEvent::Console { .. }))
                .find_map(|e| e.step_line())
                .unwrap_or_default();
            (
                Verdict::Timeout,
                format!(
                    "scenario timed out after {}s (last step: {})",
                    options.scenario_timeout.as_secs(),
                    last.trim()
                ),
            )
        }
        Ended::Judged(Ok(Judgement::Pass(m))) => (Verdict::Pass, m),
        Ended::Judged(Ok(Judgement::Fail(m))) => (Verdict::Fail, m),
        Ended::Judged(Ok(Judgement::CannotJudge(m))) => (Verdict::Error, m),
        Ended::Judged(Err(e)) => classify(&e),
    };
    // Once Chromium is gone every later failure is a consequence: report the cause. The CDP
    // connection usually breaks a moment before the exit is reaped, so give it a bounded wait.
    let exited = if verdict != Verdict::Error {
        browser.exit_watch().borrow().clone()
    } else {
        let mut exit = browser.exit_watch();
        tokio::time::timeout(Duration::from_secs(2), exit.wait_for(|s| s.is_some()))
            .await
            .ok()
            .and_then(|s| s.ok().and_then(|s| s.clone()))
    };
    let (verdict, message) = match exited {
        Some(status) if !verdict.is_assertion() => (
            Verdict::Infrastructure,
            format!("Chromium exited unexpectedly ({status}) during the scenario"),
        ),
        _ => (verdict, message),
    };
    let mut result = scenario_result(
        &spec,
        entry,
        verdict,
        message.clone(),
        started.elapsed(),
        finish(&timeline, Some((verdict, message))),
    );
    result.screenshot = screenshot;
    result
}

async fn open_scenario(
    browser: &Arc<BrowserSession>,
    spec: Arc<Spec>,
    deploys: Arc<DeploySet>,
    entry: &CheckEntry,
    options: &RunOptions,
    timeline: &Arc<Timeline>,
) -> Result<Scenario, ScenarioError> {
    let setup = Instant::now();
    let server = FixtureServer::start(deploys, &spec.headers, options.bind).await?;
    timeline.set_origin(&server.origin());
    let server_ready = setup.elapsed();
    let log = server.log().clone();
    let sw_path = spec.service_worker.clone();
    let deploy_of_script = Arc::new(move || {
        log.last_matching(|r| r.is_worker_script(&sw_path))
            .map(|r| r.deploy)
    });
    // A kept profile is for inspecting the scenario's storage afterwards, which only the
    // default browser context writes to disk; a check that measures storage needs it on disk
    // too. A Chromium swgate did not launch (`--connect`) keeps its default context to itself.
    let kept = options.launch.keep_profile.is_some();
    let disk = CheckConfig::of(entry).disk_storage();
    if disk && options.connect.is_some() {
        // In an in-memory context IndexedDB usage reads as a constant, so the check would pass
        // an app that grows without end; the connected browser's default context is its own.
        return Err(ScenarioError::App(format!(
            "{} measures storage on disk, in the browser's default context, which swgate leaves alone in a browser it did not launch (--connect); run it without --connect",
            entry.config.name()
        )));
    }
    let own_context = !kept && !disk;
    let page = browser
        .new_scenario_page(deploy_of_script.clone(), timeline.clone(), own_context)
        .await?;
    tracing::debug!(
        target: "swgate::timing",
        "scenario setup: fixture server {:?}, browser context + page + CDP domains {:?}",
        server_ready,
        setup.elapsed() - server_ready
    );
    let mut scenario = Scenario::new(
        browser.clone(),
        deploy_of_script,
        spec,
        server,
        page,
        options.wait_timeout,
        timeline.clone(),
    );
    scenario.note(format!(
        "fixture server on {}, check {}",
        scenario.origin(),
        entry.config.name()
    ));
    if disk && !kept {
        // The default context outlives the scenario, and a later scenario may get this port.
        scenario.clear_origin_on_close();
        scenario.note("runs in Chromium's default browser context (storage on disk); the origin's data is cleared when it ends");
    }
    Ok(scenario)
}

fn classify(e: &ScenarioError) -> (Verdict, String) {
    let verdict = match e {
        ScenarioError::Browser(BrowserError::Timeout { .. })
        | ScenarioError::Server(crate::server::ServerError::Timeout { .. }) => Verdict::Timeout,
        ScenarioError::Browser(b) if b.is_infrastructure() => Verdict::Infrastructure,
        ScenarioError::Server(crate::server::ServerError::Bind { .. }) => Verdict::Infrastructure,
        _ => Verdict::Error,
    };
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    (verdict, message)
}

/// The scenario's timeline, closed with its verdict.
fn finish(timeline: &Timeline, verdict: Option<(Verdict, String)>) -> Vec<TimelineEntry> {
    if let Some((verdict, message)) = verdict {
        timeline.push(TimelineEvent::Verdict { verdict, message });
    }
    timeline.take()
}

fn cancelled_result(
    spec: &Spec,
    entry: &CheckEntry,
    duration: Duration,
    timeline: Vec<TimelineEntry>,
) -> ScenarioResult {
    scenario_result(
        spec,
        entry,
        Verdict::Cancelled,
        "interrupted before the check finished".into(),
        duration,
        timeline,
    )
}

fn scenario_result(
    spec: &Spec,
    entry: &CheckEntry,
    verdict: Verdict,
    message: String,
    duration: Duration,
    timeline: Vec<TimelineEntry>,
) -> ScenarioResult {
    ScenarioResult {
        spec: spec.name.clone(),
        spec_path: spec.path.clone(),
        check: entry.config.name().to_owned(),
        ordinal: 0,
        label: entry.label.clone(),
        location: entry.location.clone(),
        verdict,
        message,
        duration,
        timeline,
        screenshot: None,
        baseline: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_parse_and_split_round_robin() {
        let p: Partition = "2/3".parse().unwrap();
        assert_eq!(p, Partition { index: 2, count: 3 });
        let mine: Vec<usize> = (0..7).filter(|i| p.contains(*i)).collect();
        assert_eq!(mine, vec![1, 4]);
        for bad in ["0/3", "4/3", "1/0", "x/2", "3"] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }
}
