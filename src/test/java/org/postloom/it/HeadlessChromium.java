package org.postloom.it;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Debian's chromium, headless, driven by Debian's chromedriver over WebDriver (Selenium's
 * client). Both binaries are named, so Selenium never tries to fetch a driver or a browser; a
 * missing one fails the test and names the package.
 */
final class HeadlessChromium implements AutoCloseable {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final ChromeDriver driver;
    private final List<LogEntry> console = new java.util.ArrayList<>();

    private HeadlessChromium(ChromeDriver driver) {
        this.driver = driver;
    }

    static HeadlessChromium start(Path profile) throws IOException {
        if (!Files.isExecutable(CHROMIUM)) fail(CHROMIUM + " is missing: apt-get install -y chromium");
        if (!Files.isExecutable(CHROMEDRIVER)) fail(CHROMEDRIVER + " is missing: apt-get install -y chromium-driver");
        Files.createDirectories(profile);
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + profile, "--window-size=1400,1000");
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1400, 1000));
        return new HeadlessChromium(driver);
    }

    void open(String url) {
        driver.get(url);
    }

    WebElement find(String id) {
        return driver.findElement(By.id(id));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** The sites table's row of {@code site}, or null while there is none. */
    WebElement siteRow(String site) {
        return all("#sites tbody tr").stream().filter(r -> site.equals(r.getAttribute("data-site"))).findFirst().orElse(null);
    }

    Object script(String js) {
        return driver.executeScript(js);
    }

    /** Polls {@code what} until it is true or non-null (a refresh may replace elements meanwhile). */
    <T> T await(String what, Supplier<T> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                T value = condition.get();
                if (value != null && !Boolean.FALSE.equals(value)) return value;
            } catch (WebDriverException | NumberFormatException stale) {
                // the refresh replaced the element between two calls: look again
            }
            if (System.nanoTime() > deadline) return fail("timed out after 60 s waiting for " + what);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail("interrupted waiting for " + what);
            }
        }
    }

    void screenshot(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Console messages of level SEVERE (errors, failed requests, CSP violations) since the start. */
    List<LogEntry> severeConsoleEntries() {
        driver.manage().logs().get(LogType.BROWSER).forEach(console::add);
        return console.stream().filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
    }

    @Override
    public void close() {
        driver.quit();
    }
}
