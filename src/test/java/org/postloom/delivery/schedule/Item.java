package org.postloom.delivery.schedule;

/** A work item as the schedule sees it: opaque, but for where it goes and from which source. */
record Item(String id, Target target, String source) implements Routable {

    static Item to(String domain, String id) {
        return new Item(id, new Target(domain, true), "");
    }

    static Item from(String source, String domain, String id) {
        return new Item(id, new Target(domain, true), source);
    }
}
