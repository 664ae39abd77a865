package dev.stepwise.app.explain;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The timeline and explain views never touch DJL; the explain engine code never touches JavaFX. */
class ExplainBoundariesTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(
              "dev.stepwise.app.timeline",
              "dev.stepwise.app.explain",
              "dev.stepwise.engine.explain");

  @Test
  void viewsNeverTouchTensors() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.stepwise.app.timeline..", "dev.stepwise.app.explain..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("ai.djl..")
        .because("views work with RgbImage, Latents and float arrays, never with NDArray")
        .check(CLASSES);
  }

  @Test
  void explainEngineCodeIsHeadless() {
    noClasses()
        .that()
        .resideInAPackage("dev.stepwise.engine.explain..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("javafx..", "dev.stepwise.app..")
        .check(CLASSES);
  }
}
