package dev.stepwise;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Package boundaries of the single Maven module. */
class ArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.stepwise");

  @Test
  void engineNeverImportsJavaFx() {
    noClasses()
        .that()
        .resideInAPackage("dev.stepwise.engine..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("javafx..", "org.controlsfx..", "org.kordamp..")
        .because("the engine runs headless in the CLI and must not need a toolkit")
        .check(CLASSES);
  }

  @Test
  void engineDoesNotDependOnFrontEnds() {
    noClasses()
        .that()
        .resideInAPackage("dev.stepwise.engine..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.stepwise.cli..", "dev.stepwise.app..", "dev.stepwise.gallery..", "picocli..")
        .because("front ends depend on the engine, never the reverse")
        .check(CLASSES);
  }

  @Test
  void viewsNeverTouchNdArrays() {
    noClasses()
        .that()
        .resideInAPackage("dev.stepwise.app..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("ai.djl..")
        .because(
            "views never touch NDArray: they work with RgbImage, Latents and float arrays, the"
                + " engine owns every tensor (the gallery's own rule is GalleryArchitectureTest)")
        .check(CLASSES);
  }

  @Test
  void metadataIsPlainJava() {
    noClasses()
        .that()
        .resideInAPackage("dev.stepwise.metadata..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("ai.djl..", "dev.stepwise.engine..")
        .because("image metadata is read by galleries and tools that must not load the engine")
        .check(CLASSES);
  }

  @Test
  void recipeIsPlainJavaBelowEverything() {
    noClasses()
        .that()
        .resideInAPackage("dev.stepwise.recipe..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "javafx..",
            "ai.djl..",
            "dev.stepwise.engine..",
            "dev.stepwise.metadata..",
            "dev.stepwise.gallery..",
            "dev.stepwise.app..",
            "dev.stepwise.cli..")
        .because(
            "the settings record, its limits and the sampler list are shared by the engine, the"
                + " library, image metadata, the studio and the CLI, so they depend on none of"
                + " them")
        .check(CLASSES);
  }

  @Test
  void cliNeverDependsOnTheStudio() {
    noClasses()
        .that()
        .resideInAPackage("dev.stepwise.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.stepwise.app..", "javafx..", "org.controlsfx..", "org.kordamp..")
        .because(
            "the CLI runs headless; dev.stepwise.Main hands it the studio opener as a Runnable")
        .check(CLASSES);
  }

  @Test
  void filesDependOnNothingOfStepwise() {
    noClasses()
        .that()
        .resideInAPackage("dev.stepwise.files..")
        .should()
        .dependOnClassesThat(
            resideInAPackage("dev.stepwise..")
                .and(not(resideInAPackage("dev.stepwise.files..")))
                .or(resideInAnyPackage("javafx..", "ai.djl..")))
        .because(
            "the atomic write and the XDG folders are used by every layer, the engine included,"
                + " so they must not pull any layer, a toolkit or the engine in")
        .check(CLASSES);
  }

  /**
   * docs/architecture.md's table of which package uses which is the truth: no package depends on a
   * Stepwise package its row does not list, so the page cannot drift from the code.
   */
  @Test
  void theLayerTableInTheDocsHolds() throws java.io.IOException {
    java.util.regex.Pattern row =
        java.util.regex.Pattern.compile("^\\| `([a-z]+)`(?:, `([a-z]+)`)? \\| (.*) \\|$");
    java.util.List<String> all =
        java.util.List.of(
            "app", "cli", "engine", "gallery", "metadata", "recipe", "files", "serve");
    int rows = 0;
    for (String line :
        java.nio.file.Files.readAllLines(java.nio.file.Path.of("docs/architecture.md"))) {
      if (line.startsWith("## ")) {
        break; // the table of uses comes before the first section
      }
      java.util.regex.Matcher m = row.matcher(line);
      if (!m.matches() || !all.contains(m.group(1))) {
        continue;
      }
      java.util.Set<String> allowed = new java.util.HashSet<>();
      java.util.regex.Matcher used =
          java.util.regex.Pattern.compile("`([a-z]+)`").matcher(m.group(3));
      while (used.find()) {
        allowed.add(used.group(1));
      }
      for (String pkg : new String[] {m.group(1), m.group(2)}) {
        if (pkg == null) {
          continue;
        }
        rows++;
        String[] forbidden =
            all.stream()
                .filter(o -> !o.equals(pkg) && !allowed.contains(o))
                .map(o -> "dev.stepwise." + o + "..")
                .toArray(String[]::new);
        noClasses()
            .that()
            .resideInAPackage("dev.stepwise." + pkg + "..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(forbidden)
            .because("docs/architecture.md says " + pkg + " uses only " + allowed)
            .check(CLASSES);
      }
    }
    org.junit.jupiter.api.Assertions.assertEquals(all.size(), rows, "one row per package");
  }
}
