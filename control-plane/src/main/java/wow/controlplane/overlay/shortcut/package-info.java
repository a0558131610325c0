/** Which destinations earn a direct shortcut link: the rate-based policy the shortcut overlord follows. */
package wow.controlplane.overlay.shortcut;
