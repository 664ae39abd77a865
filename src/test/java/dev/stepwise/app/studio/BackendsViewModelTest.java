package dev.stepwise.app.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.app.studio.BackendsViewModel.Where;
import dev.stepwise.engine.backend.BackendsConfig;
import dev.stepwise.engine.service.SamplingService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Backends dialog's state without a window: refusals, the file, where jobs run. */
class BackendsViewModelTest {
  @TempDir Path dir;
  private final List<SamplingService> used = new ArrayList<>();
  private final BackendsViewModel vm =
      new BackendsViewModel(Runnable::run, Runnable::run, used::add);

  @Test
  void aBrokenFileIsOneSentenceAndNoBackends() throws Exception {
    Path f = dir.resolve("backends.json");
    Files.writeString(f, "{\"backends\": [{\"name\": \"a\", \"url\": 7}]}");
    vm.open(new BackendsConfig(f));
    assertEquals(
        "The backend entry 1 in " + f + " has a \"url\" that is not a text.",
        vm.errorProperty().get());
    assertTrue(vm.rows().isEmpty());
    assertFalse(vm.poolPossibleProperty().get());
  }

  @Test
  void addRefusesBadValuesWithOneSentenceAndSavesGoodOnes() throws Exception {
    Path f = dir.resolve("cfg/backends.json");
    vm.open(new BackendsConfig(f));
    assertEquals(
        "The backend name 'a b' is not allowed; use up to 40 letters, digits, '.', '_' or '-',"
            + " starting with a letter or digit.",
        vm.add("a b", "http://h:1"));
    assertEquals(
        "The backend x's url is not an http or https URL such as http://host:7860.",
        vm.add("x", "ftp://u:pw@h"));
    assertFalse(Files.exists(f), "nothing saved");
    assertNull(vm.add(" gpu ", "http://u:pw@h:7860"));
    assertEquals("http://h:7860", vm.rows().get(0).url());
    assertEquals("gpu", vm.rows().get(0).name());
    assertTrue(vm.poolPossibleProperty().get());
    assertEquals("A backend is already named GPU; remove it first.", vm.add("GPU", "http://h:2"));
    assertEquals(1, new BackendsConfig(f).load().size());
    vm.enable(vm.rows().get(0), false);
    assertFalse(new BackendsConfig(f).load().get(0).enabled());
    assertFalse(vm.poolPossibleProperty().get());
    vm.whereProperty().set(Where.POOL); // nothing enabled: back to this computer, said once
    assertEquals(Where.LOCAL, vm.whereProperty().get());
    assertEquals(
        "No enabled backend can be used; jobs run on this computer.", vm.errorProperty().get());
    vm.remove(vm.rows().get(0));
    assertTrue(new BackendsConfig(f).load().isEmpty());
  }
}
