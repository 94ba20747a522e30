package org.postloom;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;

/**
 * The dependency arrows of docs/architecture.md, checked on the compiled main classes. Each rule
 * says what a part must not know, so a new package (or a new class in a part) fits without a new
 * rule, and the cycle rules cover every package under {@code org.postloom}. Rules on parts that
 * may not exist yet allow an empty selection.
 */
@AnalyzeClasses(packages = "org.postloom", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final DescribedPredicate<JavaClass> SOCKETS = describe("sockets",
            c -> c.isAssignableTo(Socket.class) || c.isAssignableTo(ServerSocket.class)
                    || c.isAssignableTo(DatagramSocket.class) || c.isAssignableTo(SocketAddress.class)
                    || c.getPackageName().startsWith("javax.net") || c.getPackageName().startsWith("java.nio.channels"));

    /** The protocol is a state machine over lines and bytes: testable without a socket. */
    @ArchTest
    static final ArchRule protocolKnowsNoSockets = noClasses().that().resideInAPackage("org.postloom.smtp")
            .should().dependOnClassesThat(SOCKETS)
            .because("SmtpSession returns Steps and never does I/O; smtp.server owns the sockets");

    @ArchTest
    static final ArchRule protocolKnowsNoStorageDeliveryOrAuthentication = noClasses()
            .that().resideInAPackage("org.postloom.smtp..")
            .should().dependOnClassesThat().resideInAnyPackage("org.postloom.spool..", "org.postloom.delivery..",
                    "org.postloom.auth..", "org.postloom.dkim..", "org.postloom.admin..", "org.postloom.cluster..")
            .because("the protocol owns the interfaces (Admission, Authentication) and intake owns reception");

    @ArchTest
    static final ArchRule protocolCoreKnowsNoListener = noClasses().that().resideInAPackage("org.postloom.smtp")
            .should().dependOnClassesThat().resideInAPackage("org.postloom.smtp.server..");

    @ArchTest
    static final ArchRule intakeKnowsNoProtocolNorHttp = noClasses().that().resideInAPackage("org.postloom.intake..")
            .should().dependOnClassesThat().resideInAnyPackage("org.postloom.smtp..", "org.postloom.admin..",
                    "org.postloom.spool..", "org.postloom.delivery..", "io.helidon..")
            .because("SMTP and HTTP injection both hand mail to the one reception seam, which the spool implements");

    @ArchTest
    static final ArchRule storageKnowsNoProtocolNorScheduling = noClasses().that().resideInAPackage("org.postloom.spool..")
            .should().dependOnClassesThat().resideInAnyPackage("org.postloom.smtp..", "org.postloom.delivery..",
                    "org.postloom.dns..", "org.postloom.admin..", "org.postloom.cluster..", "org.postloom.cli..");

    @ArchTest
    static final ArchRule deliveryKnowsNoServerSession = noClasses().that().resideInAPackage("org.postloom.delivery..")
            .should().dependOnClassesThat().resideInAnyPackage("org.postloom.smtp.server..", "org.postloom.admin..")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("org.postloom.smtp.SmtpSession");

    /** The admin plane reads views (QueueControl, records) and never reaches into sessions or engines. */
    @ArchTest
    static final ArchRule adminReadsViewsNotSessions = noClasses().that().resideInAPackage("org.postloom.admin..")
            .should().dependOnClassesThat().resideInAnyPackage("org.postloom.smtp..", "org.postloom.delivery.client..")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("org.postloom.spool.Spool");

    @ArchTest
    static final ArchRule signingKnowsNoProtocolNorStorage = noClasses().that().resideInAPackage("org.postloom.dkim..")
            .should().dependOnClassesThat().resideInAnyPackage("org.postloom.smtp..", "org.postloom.spool..");

    @ArchTest
    static final ArchRule lookupsKnowNoSmtp = noClasses().that().resideInAPackage("org.postloom.dns..")
            .should().dependOnClassesThat().resideInAnyPackage("org.postloom.smtp..", "org.postloom.spool..",
                    "org.postloom.delivery..");

    @ArchTest
    static final ArchRule tlsKnowsNoSessions = noClasses().that().resideInAPackage("org.postloom.tls..")
            .should().dependOnClassesThat().resideInAnyPackage("org.postloom.smtp.server..", "org.postloom.spool..",
                    "org.postloom.delivery..")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("org.postloom.smtp.SmtpSession");

    /** Events may speak the reply vocabulary (smtp.Reply, delivery.client.Outcome), not sessions or the schedule. */
    @ArchTest
    static final ArchRule eventsKnowNoSessionsNorScheduling = noClasses().that().resideInAPackage("org.postloom.events..")
            .should().dependOnClassesThat().resideInAnyPackage("org.postloom.smtp.server..", "org.postloom.delivery")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("org.postloom.smtp.SmtpSession")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule clusterKnowsNoProtocolNorStorage = noClasses().that().resideInAPackage("org.postloom.cluster..")
            .should().dependOnClassesThat().resideInAnyPackage("org.postloom.smtp..", "org.postloom.spool..")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule configKnowsNothingElse = noClasses().that().resideInAPackage("org.postloom.config..")
            .should().dependOnClassesThat(describe("other Postloom parts",
                    c -> c.getPackageName().startsWith("org.postloom") && !c.getPackageName().startsWith("org.postloom.config")));

    /** Mail types are the shared vocabulary: they know no part. */
    @ArchTest
    static final ArchRule mailKnowsNoPart = noClasses().that().resideInAPackage("org.postloom.mail..")
            .should().dependOnClassesThat(describe("other Postloom parts",
                    c -> c.getPackageName().startsWith("org.postloom") && !c.getPackageName().startsWith("org.postloom.mail")));

    @ArchTest
    static final ArchRule partsAreFreeOfCycles = slices().matching("org.postloom.(*)..").should().beFreeOfCycles();

    /** Finer than the parts: a sub-package and its parent must not need each other either. */
    @ArchTest
    static final ArchRule packagesAreFreeOfCycles = slices().matching("org.postloom.(**)").should().beFreeOfCycles();
}
