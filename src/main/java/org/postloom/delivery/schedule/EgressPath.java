package org.postloom.delivery.schedule;

/**
 * The unit of limits and suspensions (CONTRACT.md section 2): one egress source towards one site.
 *
 * @param source the egress source's name, {@code ""} without egress pools
 * @param site   the site's name
 */
public record EgressPath(String source, String site) {

    @Override
    public String toString() {
        return (source.isEmpty() ? "" : source + "->") + site;
    }
}
