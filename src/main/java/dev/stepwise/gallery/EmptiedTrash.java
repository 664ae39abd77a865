package dev.stepwise.gallery;

/**
 * What emptying the library's trash removed.
 *
 * @param files trash files removed
 * @param bytes their total size
 */
public record EmptiedTrash(int files, long bytes) {}
