/** Router internals: not API, may change in any release. */
package io.chatgateway.router.internal;
