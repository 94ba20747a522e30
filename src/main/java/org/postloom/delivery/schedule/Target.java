package org.postloom.delivery.schedule;

/**
 * Where a work item is headed before its site is known.
 *
 * @param name  the recipient domain (when {@code viaMx}), else a static route's {@code host:port}
 * @param viaMx whether the site is found through the domain's MX records; a static route is its
 *              own site
 */
public record Target(String name, boolean viaMx) {}
