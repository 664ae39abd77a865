package dev.stepwise.app.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stepwise.gallery.ImageToSave;
import dev.stepwise.gallery.Library;
import dev.stepwise.gallery.LibraryImage;
import dev.stepwise.gallery.Recipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The view-model with both executors inline, so every action completes before it returns. */
class GalleryViewModelTest {
  @TempDir Path dir;
  Library lib;
  GalleryViewModel vm;

  static Recipe recipe(String prompt, long seed, String model, String when) {
    return new Recipe(
        prompt,
        "",
        model,
        null,
        "euler",
        false,
        10,
        5,
        0,
        seed,
        2,
        2,
        500,
        "Stepwise test",
        Instant.parse(when),
        Map.of());
  }

  @BeforeEach
  void setUp() {
    lib = Library.open(dir.resolve("lib"));
    lib.save(2, 2, new byte[12], recipe("a blue whale", 1, "m1", "2026-03-01T12:00:00Z"));
    lib.save(2, 2, new byte[12], recipe("a blue bird", 2, "m2", "2026-05-01T12:00:00Z"));
    lib.save(2, 2, new byte[12], recipe("a red bird", 3, "m2", "2026-07-01T12:00:00Z"));
    vm = new GalleryViewModel(lib, Runnable::run, Runnable::run);
    vm.refresh();
  }

  @AfterEach
  void tearDown() {
    vm.close();
    lib.close();
  }

  private List<String> prompts() {
    return vm.images().stream().map(i -> i.recipe().prompt()).toList();
  }

  @Test
  void filtersNarrowTheImagesNewestFirst() {
    assertEquals(List.of("a red bird", "a blue bird", "a blue whale"), prompts());
    assertEquals(List.of("m1", "m2"), vm.models());
    vm.filters().search().set("blue");
    assertEquals(List.of("a blue bird", "a blue whale"), prompts());
    vm.filters().model().set("m2");
    assertEquals(List.of("a blue bird"), prompts());
    vm.filters().search().set("");
    vm.filters().model().set(null);
    ZoneId z = ZoneId.systemDefault();
    vm.filters().from().set(LocalDate.ofInstant(Instant.parse("2026-04-01T12:00:00Z"), z));
    vm.filters().to().set(LocalDate.ofInstant(Instant.parse("2026-05-01T12:00:00Z"), z));
    assertEquals(List.of("a blue bird"), prompts()); // the "to" day is inclusive
  }

  @Test
  void multiSelectionGoesIntoAGalleryAndFavouritesFilter() {
    vm.select(vm.images().get(0), false);
    vm.select(vm.images().get(2), true);
    assertEquals(2, vm.selection().size());
    vm.addSelectionToGallery("Keepers");
    assertEquals(List.of("Keepers"), vm.galleries());
    vm.filters().gallery().set("Keepers");
    assertEquals(List.of("a red bird", "a blue whale"), prompts());
    vm.filters().gallery().set(null);
    vm.setFavourite(vm.images().get(1), true);
    vm.filters().favouritesOnly().set(true);
    assertEquals(List.of("a blue bird"), prompts());
  }

  @Test
  void tagsGoOnTheSelectionShowForTheFocusedImageAndSearchAsHashTag() {
    vm.select(vm.images().get(0), false); // a red bird
    vm.select(vm.images().get(2), true); // a blue whale
    vm.addTag("Sea ");
    assertEquals(List.of("sea"), vm.focusedTags(), "the focused image shows its new tag");
    vm.filters().search().set("#sea");
    assertEquals(List.of("a red bird", "a blue whale"), prompts());
    vm.filters().search().set("#sea blue");
    assertEquals(List.of("a blue whale"), prompts());
    vm.select(vm.images().get(0), false); // a blue whale, the only one shown
    vm.removeTag("sea");
    assertEquals(List.of(), vm.focusedTags());
    assertEquals(List.of(), prompts(), "untagged: the #sea search no longer finds it");
    vm.filters().search().set("#sea");
    assertEquals(List.of("a red bird"), prompts());
    vm.selection().clear();
    vm.focused().set(null);
    vm.addTag("x");
    assertTrue(vm.message().get().startsWith("Select images first"), vm.message().get());
  }

  @Test
  void deleteThenUndoBringsTheImagesBack() {
    vm.select(vm.images().get(0), false);
    Path file = vm.images().get(0).file();
    vm.deleteSelection();
    assertFalse(Files.exists(file));
    assertEquals(2, vm.images().size());
    assertTrue(vm.canUndo().get());
    assertNull(vm.focused().get());
    vm.undoDelete();
    assertTrue(Files.exists(file));
    assertEquals(3, vm.images().size());
    assertFalse(vm.canUndo().get());
  }

  @Test
  void reuseHandsTheRecipeWithOrWithoutSeed() {
    List<Object[]> got = new ArrayList<>();
    vm.setOnReuse((r, keepSeed) -> got.add(new Object[] {r, keepSeed}));
    vm.reuse(false);
    assertTrue(got.isEmpty());
    assertTrue(vm.message().get().contains("Select an image"));
    LibraryImage whale = vm.images().get(2);
    vm.select(whale, false);
    vm.reuse(true);
    vm.reuse(false);
    assertEquals(whale.recipe(), got.get(0)[0]);
    assertEquals(true, got.get(0)[1]);
    assertEquals(false, got.get(1)[1]);
  }

  @Test
  void openFolderThatCannotOpenSaysSoPlainly() {
    List<Path> asked = new ArrayList<>();
    vm.setFolderOpener(
        f -> {
          asked.add(f);
          return false;
        });
    vm.select(vm.images().get(0), false);
    vm.openContainingFolder();
    assertEquals(List.of(vm.images().get(0).file().getParent()), asked);
    assertTrue(
        vm.message().get().startsWith("This system cannot open folders"), vm.message().get());
  }

  @Test
  void saveAllWritesTheOfferedBatchAndExportCopies() throws Exception {
    vm.offerBatch(
        List.of(
            new ImageToSave(
                2, 2, new byte[12], recipe("batch one", 10, "m3", "2026-08-01T00:00:00Z")),
            new ImageToSave(
                2, 2, new byte[12], recipe("batch two", 11, "m3", "2026-08-01T00:00:00Z"))));
    vm.saveAll();
    assertTrue(vm.unsaved().isEmpty());
    assertEquals(5, vm.images().size());
    assertEquals("Saved 2 image(s) into the library.", vm.message().get());
    vm.filters().search().set("batch");
    vm.select(vm.images().get(0), false);
    vm.select(vm.images().get(1), true);
    vm.exportSelection(dir.resolve("out"));
    try (var s = Files.list(dir.resolve("out"))) {
      assertEquals(2, s.count());
    }
  }

  @Test
  void rescanFindsImagesDroppedIntoTheFolder() throws Exception {
    Path dropped = lib.folder().resolve("dropped.png");
    Files.write(
        dropped,
        dev.stepwise.metadata.PngImage.encode(
            1,
            1,
            new byte[3],
            Map.of(
                "parameters",
                "a dropped lantern\nSteps: 4, Sampler: Heun, CFG scale: 3, Seed: 5")));
    vm.rescan();
    assertEquals(4, vm.images().size());
    assertTrue(vm.message().get().startsWith("Found 1 new"), vm.message().get());
    vm.filters().search().set("lantern");
    LibraryImage img = vm.images().get(0);
    assertEquals("euler", img.recipe().sampler()); // Heun mapped to the nearest sampler
    assertTrue(img.notice().contains("Heun"), img.notice());
  }

  @Test
  void failuresBecomeOneSentence() {
    vm.select(vm.images().get(0), false);
    vm.addSelectionToGallery("   ");
    assertTrue(vm.message().get().startsWith("Gallery name"), vm.message().get());
    assertFalse(vm.message().get().contains("\n"));
  }
}
