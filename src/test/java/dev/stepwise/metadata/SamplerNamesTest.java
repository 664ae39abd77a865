package dev.stepwise.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.recipe.Sampler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SamplerNamesTest {
  @ParameterizedTest
  @CsvSource({
    "Euler a, euler_a, false",
    "Euler, euler, false",
    "DDIM, ddim, false",
    "DDPM, ddpm, false",
    "DPM++ 2M, dpmpp_2m, false",
    "DPM++ 2M Karras, dpmpp_2m, true",
    "euler_ancestral, euler_a, false",
    "k_euler_a, euler_a, false",
    "k_euler_ancestral, euler_a, false",
    "dpmpp_2m, dpmpp_2m, false",
    "k_dpmpp_2m, dpmpp_2m, false",
    "dpmpp_2m_k, dpmpp_2m, true",
    "euler_a, euler_a, false",
    "  EULER A  , euler_a, false",
  })
  void exactNames(String name, String cli, boolean karras) {
    SamplerChoice c = SamplerNames.resolve(name);
    assertEquals(cli, c.cliName());
    assertEquals(karras, c.karras());
    assertNull(c.notice(), name);
    assertTrue(c.exact());
  }

  @ParameterizedTest
  @CsvSource({
    "DPM++ 2M SDE, dpmpp_2m, false",
    "DPM++ 2M SDE Karras, dpmpp_2m, true",
    "dpmpp_2m_sde_gpu, dpmpp_2m, false",
    "DPM++ SDE Karras, dpmpp_2m, true",
    "DPM++ 2S a, euler_a, false",
    "Heun, euler, false",
    "LMS, dpmpp_2m, false",
    "LMS Karras, dpmpp_2m, true",
    "UniPC, dpmpp_2m, false",
    "uni_pc_bh2, dpmpp_2m, false",
    "DPM2 a, euler_a, false",
    "dpm_2_ancestral, euler_a, false",
    "DPM2, euler, false",
    "k_dpm_2_a, euler_a, false",
    "PLMS, ddim, false",
    "LCM, euler_a, false",
    "DPM fast, dpmpp_2m, false",
  })
  void nearestWithNotice(String name, String cli, boolean karras) {
    SamplerChoice c = SamplerNames.resolve(name);
    assertEquals(cli, c.cliName());
    assertEquals(karras, c.karras());
    assertFalse(c.exact());
    assertTrue(c.notice().contains(name.strip()) && c.notice().contains(cli), c.notice());
  }

  @Test
  void scheduleTypeFieldSetsKarrasOrAddsNotice() {
    assertTrue(SamplerNames.resolve("DPM++ 2M", "Karras").karras());
    assertNull(SamplerNames.resolve("DPM++ 2M", "Karras").notice());
    assertNull(SamplerNames.resolve("Euler", "Automatic").notice());
    SamplerChoice c = SamplerNames.resolve("Euler", "Exponential");
    assertFalse(c.karras());
    assertTrue(c.notice().contains("Exponential"), c.notice());
  }

  @Test
  void unknownNameFallsBackWithNotice() {
    SamplerChoice c = SamplerNames.resolve("Mystery Sampler 9000");
    assertEquals(SamplerNames.FALLBACK, c.cliName());
    assertTrue(c.notice().contains("Mystery Sampler 9000"));
    assertThrows(MetadataException.class, () -> SamplerNames.resolve(" "));
  }

  @Test
  void displayNamesResolveBackToTheSameSampler() {
    for (String cli : Sampler.cliNames()) {
      SamplerChoice c = SamplerNames.resolve(SamplerNames.displayName(cli));
      assertEquals(cli, c.cliName());
      assertTrue(c.exact());
    }
    assertEquals("DPM++ 2M", SamplerNames.displayName("dpmpp_2m"));
    assertThrows(MetadataException.class, () -> SamplerNames.displayName("heun"));
  }

  @Test
  void comfyUiSaverNamesJoinSamplerAndScheduler() {
    SamplerChoice simple = SamplerNames.resolve("euler_simple");
    assertEquals("euler", simple.cliName());
    assertNull(simple.notice(), "simple spaces sigmas as Stepwise does");
    assertEquals("euler_a", SamplerNames.resolve("euler_ancestral_normal").cliName());
    SamplerChoice sgm = SamplerNames.resolve("dpmpp_2m_sgm_uniform");
    assertEquals("dpmpp_2m", sgm.cliName());
    assertEquals(
        "Stepwise has no SGM Uniform schedule, so it uses the sampler's own schedule; the image"
            + " will differ.",
        sgm.notice());
    assertTrue(SamplerNames.resolve("dpmpp_2m_karras").karras());
  }
}
