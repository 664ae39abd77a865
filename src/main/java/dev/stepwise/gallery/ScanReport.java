package dev.stepwise.gallery;

import java.util.List;

/**
 * What a scan or rebuild of the library folder found.
 *
 * @param added images newly indexed
 * @param updated images whose file changed and were read again
 * @param removed index rows dropped because their file is gone
 * @param skipped one sentence per file that could not be indexed, naming it
 * @param recoveredIndex the old index file moved aside because it was corrupt, or null
 */
public record ScanReport(
    int added, int updated, int removed, List<String> skipped, String recoveredIndex) {

  /** Copies the list. */
  public ScanReport {
    skipped = List.copyOf(skipped);
  }
}
