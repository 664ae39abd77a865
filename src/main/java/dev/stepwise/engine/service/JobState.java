package dev.stepwise.engine.service;

/** Where a job is in its life. */
public enum JobState {
  QUEUED,
  RUNNING,
  FINISHED,
  CANCELLED,
  FAILED;

  /** True once nothing more will happen to the job. */
  public boolean isFinal() {
    return this == FINISHED || this == CANCELLED || this == FAILED;
  }
}
