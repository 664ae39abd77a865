package dev.stepwise.gallery;

import java.time.Instant;

/**
 * What to show from the library; every criterion that is null (or false) does not filter.
 *
 * @param words words that must all occur in the prompt, negative prompt, model name or backend
 *     (prefix match, case-insensitive), or null or blank for all images; a word {@code #tag}
 *     instead requires that tag (exact, case-insensitive)
 * @param gallery the name of a gallery the images must be in, or null
 * @param favouritesOnly whether to show only favourites
 * @param model the exact model name, or null
 * @param from the earliest creation time, inclusive, or null
 * @param to the latest creation time, exclusive, or null
 * @param limit the most images to return, 1 or more
 */
public record LibraryQuery(
    String words,
    String gallery,
    boolean favouritesOnly,
    String model,
    Instant from,
    Instant to,
    int limit) {

  /** Largest {@link #limit} a query may ask for. */
  public static final int MAX_LIMIT = 1_000_000;

  /** Every image, newest first. */
  public static final LibraryQuery ALL =
      new LibraryQuery(null, null, false, null, null, null, MAX_LIMIT);

  /** Checks the limit. */
  public LibraryQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("The limit " + limit + " is not 1 to " + MAX_LIMIT + ".");
    }
  }

  /** Returns a query for images whose text matches {@code words}. */
  public static LibraryQuery search(String words) {
    return new LibraryQuery(words, null, false, null, null, null, MAX_LIMIT);
  }
}
