package org.postloom.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;
import java.util.Map;

/**
 * One delivery event as sinks receive it: a JSON object whose fields are exactly those of
 * CONTRACT.md section 3; a field that does not apply is null here and absent on the wire.
 *
 * @param id      stable across resends: queue id, recipient index, attempt and type
 * @param time    RFC 3339 UTC with milliseconds
 * @param delayS  seconds since reception, to the millisecond
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Event(
        String id,
        EventType type,
        String time,
        String queueId,
        String sender,
        String recipient,
        List<String> recipients,
        Long size,
        String messageId,
        String tenant,
        Map<String, String> headers,
        String site,
        String mxHost,
        String mxAddress,
        String source,
        String sourceAddress,
        Integer attempt,
        String status,
        String reply,
        String tls,
        Double delayS,
        BounceClass bounceClass) {
}
