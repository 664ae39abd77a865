package dev.stepwise.gallery;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The library core stays headless: the CLI, tools and tests use it without a toolkit or engine. */
class GalleryArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.stepwise");

  @Test
  void galleryCoreNeedsNoToolkitEngineOrFrontEnd() {
    noClasses()
        .that()
        .resideInAPackage("dev.stepwise.gallery..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "javafx..",
            "org.controlsfx..",
            "ai.djl..",
            "dev.stepwise.engine..",
            "dev.stepwise.app..",
            "dev.stepwise.cli..",
            "picocli..")
        .because("the library is used by the CLI and by tools that load neither JavaFX nor DJL")
        .check(CLASSES);
  }
}
