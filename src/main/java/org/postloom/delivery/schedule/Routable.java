package org.postloom.delivery.schedule;

/**
 * What the schedule asks of a work item, which it otherwise treats as opaque: where it is headed
 * and which egress source it leaves from (chosen when the message was queued, and kept).
 */
public interface Routable {

    Target target();

    /** The egress source's name; {@code ""} for no source (the system's address). */
    String source();
}
