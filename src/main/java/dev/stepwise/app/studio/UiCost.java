package dev.stepwise.app.studio;

/**
 * The UI thread's time spent applying engine events (steps, frames, queue changes).
 *
 * @param drains how many batches were applied (one per UI task)
 * @param totalNanos their total wall time on the UI thread
 * @param maxNanos the longest one
 * @param cpuNanos the UI thread's CPU time in them (excludes time the thread was preempted)
 * @param medianNanos the median wall time of the last 1024 batches
 */
public record UiCost(
    long drains, long totalNanos, long maxNanos, long cpuNanos, long medianNanos) {}
