package dev.stepwise.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The recipe's choices read back from CLI names and AUTOMATIC1111's text alike. */
class NamedChoiceTest {
  @Test
  void everyChoiceReadsBackFromBothSpellingsInAnyCase() {
    for (Class<? extends Enum<?>> type :
        java.util.List.of(MaskedContent.class, ResizeMode.class, HiresUpscaler.class)) {
      for (Enum<?> e : type.getEnumConstants()) {
        NamedChoice c = (NamedChoice) e;
        assertEquals(e, parse(type, c.cliName()), c.cliName());
        assertEquals(e, parse(type, " " + c.a1111Name().toUpperCase() + " "), c.a1111Name());
      }
    }
  }

  @Test
  void unknownAndMissingNamesAreNull() {
    assertNull(ResizeMode.parse("Resize and shrink"));
    assertNull(HiresUpscaler.parse(null));
    assertEquals(MaskedContent.NOISE, MaskedContent.parse("Latent Noise"));
    assertEquals(HiresUpscaler.LATENT_NEAREST, HiresUpscaler.parse("latent (nearest)"));
  }

  private static Object parse(Class<?> type, String name) {
    if (type == MaskedContent.class) {
      return MaskedContent.parse(name);
    }
    return type == ResizeMode.class ? ResizeMode.parse(name) : HiresUpscaler.parse(name);
  }
}
