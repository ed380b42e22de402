import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { navigate } from '../routing/use-location.ts';

/** A real link (keyboard, middle-click and "open in new tab" work) that navigates inside the console on a plain click. */
export function AppLink({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handleClick} {...rest} />;
}
