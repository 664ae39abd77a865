package dev.stepwise.recipe;

import java.util.Locale;

/** A recipe choice spelled one way on the command line and another in AUTOMATIC1111's text. */
public interface NamedChoice {
  /** The CLI spelling (lower case). */
  String cliName();

  /** AUTOMATIC1111's spelling, as its PNG text writes it. */
  String a1111Name();

  /**
   * The constant of {@code type} with this CLI name or A1111 name (any case, surrounding blanks
   * ignored), or null when none has it or {@code name} is null.
   */
  static <E extends Enum<E> & NamedChoice> E parse(Class<E> type, String name) {
    if (name == null) {
      return null;
    }
    String n = name.strip().toLowerCase(Locale.ROOT);
    for (E e : type.getEnumConstants()) {
      if (e.cliName().equals(n) || e.a1111Name().toLowerCase(Locale.ROOT).equals(n)) {
        return e;
      }
    }
    return null;
  }
}
