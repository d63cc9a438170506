//! Live progress on stderr, fed the same runner events as the human reporter.
//!
//! On a terminal: a spinner line per running scenario (`spec › check` and its elapsed time)
//! above an overall `done/total` bar, drawn with indicatif. Every other line swgate prints
//! while the bars are up must go through [`Progress::writer`], which prints above the bars
//! (`MultiProgress::println`) instead of drawing over them. Diagnostics that are not report
//! lines (tracing output, the interrupt notice) go through [`StderrAboveBars`], which hides the
//! bars for the write and redraws them after.
//!
//! Elsewhere (CI logs, pipes): no bars and no cursor movement, only a plain line when a
//! scenario starts, in the human reporter's column layout:
//!
//! ```text
//! START     good › update-recovers
//! PASS      good › update-recovers [2.3s]: reached v2 on reload 1 of 3
//! ```

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::Verbosity;
use crate::runner::Event;

/// The bars on screen, if any: [`StderrAboveBars`] reaches them from code that has no
/// [`Progress`] (the tracing subscriber is set up before a run starts, the signal handler runs
/// beside it).
static SHOWN: Mutex<Option<MultiProgress>> = Mutex::new(None);

/// How often spinners and elapsed times are redrawn.
const TICK: Duration = Duration::from_millis(120);

/// Shows which scenarios are running; see the module docs for the two modes.
pub struct Progress {
    mode: Mode,
    /// Whether plain mode prints `START` lines (not in quiet runs, which print only what did
    /// not pass).
    starts: bool,
}

enum Mode {
    Bars(Bars),
    Plain(SharedOut),
}

/// Plain mode's sink, shared with its writers so progress lines and reports interleave in
/// event order.
type SharedOut = Arc<Mutex<dyn Write + Send>>;

struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    running: Vec<(String, String, ProgressBar)>,
    color: bool,
}

impl Progress {
    /// Progress on stderr: bars when `is_tty`, plain lines otherwise (none when `Quiet`);
    /// `color` colours the bars. The number of scenarios is not known yet (it comes with
    /// `RunStarted`).
    pub fn new(verbosity: Verbosity, is_tty: bool, color: bool) -> Self {
        if is_tty {
            Progress::bars(color)
        } else {
            let mut plain = Progress::plain(io::stderr());
            plain.starts = verbosity > Verbosity::Quiet;
            plain
        }
    }

    /// Plain progress lines into `out` (tests render into a buffer).
    pub fn plain(out: impl Write + Send + 'static) -> Self {
        Progress {
            mode: Mode::Plain(Arc::new(Mutex::new(out))),
            starts: true,
        }
    }

    fn bars(color: bool) -> Self {
        let multi = MultiProgress::new();
        let overall = multi.add(ProgressBar::new_spinner());
        overall.set_style(spinner_style(color));
        overall.set_message("starting Chromium");
        overall.enable_steady_tick(TICK);
        *SHOWN.lock().unwrap_or_else(|e| e.into_inner()) = Some(multi.clone());
        Progress {
            mode: Mode::Bars(Bars {
                multi,
                overall,
                running: Vec::new(),
                color,
            }),
            starts: true,
        }
    }

    /// A writer for everything else printed while progress is shown (the human reporter's
    /// lines); it prints whole lines above the bars on a terminal.
    pub fn writer(&self) -> ProgressWriter {
        ProgressWriter {
            target: match &self.mode {
                Mode::Bars(b) => Target::Bars(b.multi.clone()),
                Mode::Plain(out) => Target::Plain(Arc::clone(out)),
            },
            line: Vec::new(),
        }
    }

    /// Handles one runner event. Feed it after the human reporter, so a finished scenario's
    /// line is printed before its spinner goes. Write errors are ignored, as in the human
    /// reporter: progress is best-effort.
    pub fn event(&mut self, event: &Event<'_>) {
        match &mut self.mode {
            Mode::Plain(out) if self.starts => {
                if let Event::ScenarioStarted { spec, check } = event {
                    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
                    let _ = writeln!(out, "{:<9} {spec} › {check}", "START");
                }
            }
            Mode::Plain(_) => {}
            Mode::Bars(bars) => bars.event(event),
        }
    }

    /// Removes the bars (also done on `RunFinished` and on drop); call it before printing
    /// other than through [`Progress::writer`], e.g. when the run fails to start.
    pub fn finish(&mut self) {
        if let Mode::Bars(bars) = &mut self.mode {
            bars.clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Bars {
    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::RunStarted { scenarios, .. } => {
                self.overall.set_style(overall_style(self.color));
                self.overall.set_message("");
                self.overall.set_length(*scenarios as u64);
                self.overall.set_position(0);
            }
            Event::ScenarioStarted { spec, check } => {
                let bar = self
                    .multi
                    .insert_before(&self.overall, ProgressBar::new_spinner());
                bar.set_style(spinner_style(self.color));
                bar.set_message(format!("{spec} › {check}"));
                bar.enable_steady_tick(TICK);
                self.running
                    .push((spec.to_string(), check.to_string(), bar));
            }
            Event::ScenarioFinished(result) => {
                // Cancelled scenarios finish without having started.
                if let Some(i) = self
                    .running
                    .iter()
                    .position(|(s, c, _)| *s == result.spec && *c == result.label)
                {
                    let (_, _, bar) = self.running.remove(i);
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
                self.overall.inc(1);
            }
            Event::RunFinished(_) => self.clear(),
        }
    }

    fn clear(&mut self) {
        SHOWN.lock().unwrap_or_else(|e| e.into_inner()).take();
        for (_, _, bar) in self.running.drain(..) {
            bar.finish_and_clear();
        }
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
    }
}

fn spinner_style(color: bool) -> ProgressStyle {
    let template = if color {
        "{spinner:.cyan} {msg} {elapsed:.dim}"
    } else {
        "{spinner} {msg} {elapsed}"
    };
    ProgressStyle::with_template(template).expect("a valid template")
}

fn overall_style(color: bool) -> ProgressStyle {
    let template = if color {
        "{bar:30.cyan/blue} {pos}/{len} scenarios {elapsed:.dim}"
    } else {
        "{bar:30} {pos}/{len} scenarios {elapsed}"
    };
    ProgressStyle::with_template(template)
        .expect("a valid template")
        .progress_chars("=> ")
}

/// Standard error that does not garble the bars: while they are shown, each write hides them,
/// writes, and redraws them (`MultiProgress::suspend`); otherwise it is plain stderr. For
/// tracing output and notices; report lines go through [`Progress::writer`].
pub struct StderrAboveBars;

impl Write for StderrAboveBars {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Clone out of the lock so a slow terminal write never holds it.
        let shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match shown {
            // write_all, not write: a partial write would leave the bars hidden mid-line.
            Some(multi) => multi.suspend(|| io::stderr().write_all(buf).map(|()| buf.len())),
            None => io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// Where the human reporter writes while progress is shown; from [`Progress::writer`].
pub struct ProgressWriter {
    target: Target,
    /// The current, unfinished line: `MultiProgress::println` takes whole lines.
    line: Vec<u8>,
}

enum Target {
    Bars(MultiProgress),
    Plain(SharedOut),
}

impl Write for ProgressWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &self.target {
            Target::Plain(out) => out.lock().unwrap_or_else(|e| e.into_inner()).write(buf),
            Target::Bars(multi) => {
                self.line.extend_from_slice(buf);
                while let Some(end) = self.line.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = self.line.drain(..=end).collect();
                    multi.println(String::from_utf8_lossy(&line[..end]))?;
                }
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &self.target {
            Target::Plain(out) => out.lock().unwrap_or_else(|e| e.into_inner()).flush(),
            Target::Bars(_) => Ok(()),
        }
    }
}

impl Drop for ProgressWriter {
    fn drop(&mut self) {
        if let Target::Bars(multi) = &self.target {
            if !self.line.is_empty() {
                let _ = multi.println(String::from_utf8_lossy(&self.line));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_helpers::summary;
    use crate::report::{HumanReporter, Verbosity};

    /// A cloneable in-memory sink.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Buffer {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// A run as the CLI wires it (human reporter writing through the progress writer), with
    /// two scenarios running at once.
    fn render_plain(color: bool) -> String {
        let mut s = summary();
        // Step logs are the human reporter's own (snapshotted in human.rs); without them this
        // snapshot shows only how progress lines and result lines interleave.
        for r in &mut s.results {
            r.timeline.clear();
        }
        let buffer = Buffer::default();
        let mut progress = Progress::plain(buffer.clone());
        let mut human =
            HumanReporter::new(progress.writer(), Verbosity::Normal, false).with_color(color);
        let mut event = |e: Event<'_>| {
            human.event(&e);
            progress.event(&e);
        };
        event(Event::RunStarted {
            scenarios: s.results.len(),
            chromium: "Chrome/156",
        });
        for pair in s.results.chunks(2) {
            for r in pair {
                event(Event::ScenarioStarted {
                    spec: &r.spec,
                    check: &r.label,
                });
            }
            for r in pair {
                event(Event::ScenarioFinished(r));
            }
        }
        event(Event::RunFinished(&s));
        drop(human);
        buffer.text()
    }

    #[test]
    fn plain_progress_prints_a_line_per_started_scenario() {
        insta::assert_snapshot!(render_plain(false), @r#"
        swgate: 4 scenarios in Chrome/156
        START     good › update-recovers
        START     good › caches-pruned
        PASS      good › update-recovers: reached v2 on reload 1 of 3
        PASS      good › caches-pruned: v1's cache `shell-v1` was deleted
        START     stuck › update-recovers
        START     stuck › caches-pruned
        FAIL      stuck › update-recovers: a returning user never reaches v2: after 3 reloads the page still shows v1
                  --> specs/stuck.yaml:8:5
        TIMEOUT   stuck › caches-pruned: timed out after 15.0s waiting for v2's worker to install
                  --> specs/stuck.yaml:9:5
        2 passed, 1 failed, 1 timed out
        "#);
    }

    #[test]
    fn without_colour_there_are_no_escape_sequences() {
        assert!(!render_plain(false).contains("\x1b["));
        // The same run with colour does colour the labels, so the check above can fail.
        assert!(render_plain(true).contains("\x1b[32mPASS\x1b[0m"));
    }
}
