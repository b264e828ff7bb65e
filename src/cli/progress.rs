//! The progress bar `wait` and `apply --wait` draw on a terminal while a Job runs:
//! succeeded out of `spec.completions`, or a spinner with the succeeded count when the
//! Job has no completions. Reading the counts is pure; drawing is indicatif's, on
//! stderr, so stdout keeps exactly what scripts parse.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

/// A Job's progress: pods succeeded, and how many it needs (`None`: no
/// `spec.completions`, the Job ends with its first success).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub succeeded: u64,
    pub completions: Option<u64>,
}

/// The counts of a Job object as the engine returns it.
pub fn counts(job: &Value) -> Counts {
    Counts {
        succeeded: job["status"]["succeeded"].as_u64().unwrap_or(0),
        completions: job["spec"]["completions"].as_u64(),
    }
}

/// One Job's bar on stderr.
pub struct JobProgress {
    bar: ProgressBar,
}

impl JobProgress {
    /// A bar labelled `job.batch/NAME`, empty until the first `update`.
    pub fn new(label: &str) -> Self {
        let bar = ProgressBar::new_spinner();
        bar.set_message(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        JobProgress { bar }
    }

    /// Shows the counts of `job`: a bar when the Job has completions, a spinner
    /// otherwise.
    pub fn update(&self, job: &Value) {
        let c = counts(job);
        let template = match c.completions {
            Some(n) => {
                self.bar.set_length(n);
                "{spinner} {msg} [{bar:30}] {pos}/{len} completions"
            }
            None => "{spinner} {msg} {pos} succeeded",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_position(c.succeeded);
    }

    /// Removes the bar, so the line printed next stands alone.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for JobProgress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_read_succeeded_and_completions() {
        let job = json!({"spec": {"completions": 3}, "status": {"succeeded": 2}});
        assert_eq!(
            counts(&job),
            Counts {
                succeeded: 2,
                completions: Some(3)
            }
        );
        assert_eq!(
            counts(&json!({"spec": {}, "status": {}})),
            Counts {
                succeeded: 0,
                completions: None
            }
        );
    }
}
